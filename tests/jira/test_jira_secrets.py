"""Credentials never appear in output, logs, the state file or exception text (Cloud token and PAT)."""

from __future__ import annotations

import base64
import logging

import pytest
from click.testing import CliRunner
from jira_fixtures import FAST, write_plan_yaml
from jira_standin import Fault, JiraStandIn

from rollout.cli import cli
from rollout.errors import RemoteError
from rollout.trackers import push_plan


def _secret_forms(secret: str, user: str | None = None) -> list[str]:
    forms = [secret]
    if user:
        forms.append(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return forms


def _everything_in(exc: BaseException) -> str:
    """Text of an exception chain and every attribute it carries."""
    seen, out, todo = set(), [], [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        out += [str(e), repr(e), repr(vars(e)) if hasattr(e, "__dict__") else ""]
        todo += [e.__cause__, e.__context__]
    return "\n".join(out)


def _state_bytes(tmp_path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and ".rollout" in p.parts)


def test_the_api_token_never_leaks(standin, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)                       # urllib3, jira, rollout: everything
    forms = _secret_forms(standin.token, standin.email)
    plan = write_plan_yaml(tmp_path, 4)
    runner = CliRunner()
    standin.faults += [Fault("503", "GET /rest/api/3/field"), Fault("drop", "POST /rest/api/3/issue/bulk")]
    outputs = [runner.invoke(cli, ["push", str(plan)]), runner.invoke(cli, ["push", str(plan), "-f", "json"]),
               runner.invoke(cli, ["pull", str(plan)])]
    standin.denied.add("create")
    plan2 = write_plan_yaml(tmp_path, 3, plan_id="beta")
    outputs.append(runner.invoke(cli, ["push", str(plan2)]))
    monkeypatch.setenv("JIRA_URL", standin.url + "/nowhere")
    outputs.append(runner.invoke(cli, ["push", str(plan)]))
    assert [r.exit_code for r in outputs] == [0, 0, 0, 3, 3]

    text = "\n".join(r.output + r.stderr for r in outputs) + caplog.text
    state = _state_bytes(tmp_path)
    assert state and standin.seen[0].authorization.startswith("Basic ")
    for form in forms:
        assert form not in text
        assert form.encode() not in state


def test_exceptions_carry_no_credentials(standin, tmp_path, monkeypatch):
    from jira_fixtures import make_plan

    monkeypatch.setenv("ROLLOUT_JIRA_RETRIES", "1")
    standin.faults.append(Fault("500", "GET /rest/api/3/project/", count=5))
    with pytest.raises(RemoteError) as info:
        push_plan(make_plan(tmp_path))
    standin.faults.clear()
    standin.denied.add("edit")
    push_ok = make_plan(tmp_path, plan_id="beta")
    standin.denied.discard("edit")
    push_plan(push_ok)
    standin.denied.add("link")
    import dataclasses

    from rollout.model import Dependency
    edited = dataclasses.replace(push_ok, tasks=tuple(
        dataclasses.replace(t, depends_on=(Dependency("disc.interviews"),)) if t.id == "design.tool" else t
        for t in push_ok.tasks))
    with pytest.raises(RemoteError) as denied:
        push_plan(edited)            # deleting the old link is refused
    for exc in (info.value, denied.value):
        text = _everything_in(exc)
        for form in _secret_forms(standin.token, standin.email):
            assert form not in text
        assert "Authorization" not in text


def test_a_personal_access_token_on_server_never_leaks(openapi_checker, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    server = JiraStandIn(pat="pat-Zx81-secret-000111", checker=openapi_checker).start()
    try:
        for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "ROLLOUT_JIRA_API"):
            monkeypatch.delenv(name, raising=False)
        for name, value in {**server.env(), **FAST}.items():
            monkeypatch.setenv(name, value)
        plan = write_plan_yaml(tmp_path, 4)
        result = CliRunner().invoke(cli, ["push", str(plan)])
        assert result.exit_code == 0, result.output
        # Server/Data Center: REST v2, a Bearer token, plain-text descriptions, offset search
        assert all(s.path.startswith("/rest/api/2/") for s in server.seen)
        assert server.seen[0].authorization == "Bearer pat-Zx81-secret-000111"
        assert any(s.path == "/rest/api/2/search" for s in server.seen)
        key = server.task_issues()["disc.t000"][0]
        assert isinstance(server.issues[key]["fields"]["description"], str)
        assert len(server.links) == 3
        again = CliRunner().invoke(cli, ["push", str(plan)])
        assert "create 0, update 0, unchanged 5" in again.output

        monkeypatch.setenv("JIRA_PAT", "pat-wrong-424242")
        bad = CliRunner().invoke(cli, ["push", str(plan)])
        assert bad.exit_code == 3 and "rejected the credentials (HTTP 401): check JIRA_PAT" in bad.stderr
        text = result.output + again.output + bad.output + bad.stderr + caplog.text
        for secret in ("pat-Zx81-secret-000111", "pat-wrong-424242"):
            assert secret not in text
            assert secret.encode() not in _state_bytes(tmp_path)
    finally:
        server.stop()
