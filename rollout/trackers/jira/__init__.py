"""Jira as a tracker: push a scheduled plan as epics, issues and Blocks links; pull progress back.

The only package that imports the ``jira`` package. Its modules follow the seams of the work:
``settings`` (environment, the plan's ``jira:``), ``http`` (transport, retry, answer shapes),
``site`` (project, types, fields), ``read`` (search and the read model), ``adf`` (descriptions),
``push`` and ``pull``. Talks REST v3 to Jira Cloud (email + API token,
ADF descriptions, ``/search/jql`` with ``nextPageToken``) and v2 to Server/Data Center (personal
access token). Settings come from the environment only; credentials never reach output, logs,
state or exception text.

How a push stays cheap and safe to repeat:

* one search (``labels = rollout-<plan>``, the ``rollout`` issue property in the results) finds
  everything earlier pushes made, whether or not the local state survived;
* owned fields are compared with what Jira holds and with what we last wrote: equal → no write,
  changed in the plan → update, changed by people in Jira → conflict (left alone unless ``force``);
* creation is idempotent: the intent is recorded before a bulk create, the ``rollout`` property is
  set in the create call itself, and an uncertain outcome (dropped connection, 5xx) is reconciled by
  searching again before anything is created a second time;
* reads and updates are retried on 429 (Retry-After, seconds or HTTP date), 5xx and dropped
  connections with bounded exponential backoff and jitter; the jira package's own retry is off.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping

from ...model import JiraConfig
from ..base import NO_PROGRESS, Progress, PullResult, PushResult
from .http import _Http
from .pull import _pull
from .push import _Push
from .settings import JiraSettings, jira_config, retry_after_seconds

__all__ = ["JiraConfig", "JiraSettings", "JiraTracker", "jira_config", "retry_after_seconds"]

# ---------------------------------------------------------------------------------------------
# the tracker


class JiraTracker:
    """Jira Cloud or Server/Data Center, configured from JIRA_URL and JIRA_EMAIL/JIRA_API_TOKEN or JIRA_PAT."""

    name = "jira"

    def __init__(self, env: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep):
        self._env = env
        self._sleep = sleep
        self.last_calls: dict[str, int] = {}

    def _connect(self) -> _Http:
        settings = JiraSettings.from_env(self._env)
        return _Http(settings, sleep=self._sleep)

    def push(self, plan, schedule, store, *, dry_run: bool = False, force: bool = False,
             progress: Progress = NO_PROGRESS) -> PushResult:
        cfg = jira_config(plan)
        http = self._connect()
        try:
            return _Push(plan, schedule, store, cfg, http, force=force, dry_run=dry_run, progress=progress).run()
        finally:
            self.last_calls = dict(http.calls)
            http.close()

    def pull(self, plan, store, *, progress: Progress = NO_PROGRESS) -> PullResult:
        cfg = jira_config(plan)
        http = self._connect()
        try:
            return _pull(plan, store, cfg, http, progress)
        finally:
            self.last_calls = dict(http.calls)
            http.close()

