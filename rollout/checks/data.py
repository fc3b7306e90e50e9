"""Data rules: collected data gets analysed and feeds decisions (FM004); the scorecard measures
customer outcomes (FM008)."""

from __future__ import annotations

import fnmatch
import re

from ..model import Source
from .context import CheckContext
from .registry import Violation, rule

__all__ = ["data_not_analysed", "internal_only_measures"]


@rule("FM004", "data-not-analysed", severity="warning", needs_schedule=False,
      summary="a data-collection task whose `produces` no analysis task `consumes`, or an analysis whose "
              "output reaches no decision",
      settings={"decision_kinds": ("decision", "strategy", "planning")},
      hint="add an analysis task that consumes the data, and make a decision depend on the analysis")
def data_not_analysed(ctx: CheckContext):
    """## What it does
    Reports a data-collection task that no analysis task uses: none consumes one of its `produces`
    artefacts (globs such as `voc-*` count) and none depends on it directly. It also reports an
    analysis task from which no decision follows: no task of a `decision_kinds` kind (decision,
    strategy, planning) comes after it, by dependencies or by consuming what it produces.

    ## Why is this bad?
    Surveys, interviews and baselines cost customers' and employees' time. Data nobody analyses
    tells respondents they were not heard; an analysis nobody decides on is a report in a drawer.
    Both are common in change programmes and both are invisible until someone asks what became of it.

    ## Example
    ```yaml
    tasks:
      - {id: data.survey, kind: data-collection, produces: [survey-results]}
      - {id: data.churn-review, kind: analysis, produces: [churn-drivers]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: data.survey, kind: data-collection, produces: [survey-results]}
      - {id: data.survey-analysis, kind: analysis, consumes: [survey-results], produces: [survey-findings]}
      - {id: exec.priorities, kind: decision, consumes: [survey-findings], depends_on: [data.survey-analysis]}
    ```
    """
    tasks = ctx.tasks
    kind = [k.kind for k in ctx.task_kinds]
    patterns = {p for t, k in zip(tasks, kind) if k == "analysis" for p in t.consumes}
    exact = {p for p in patterns if not any(ch in p for ch in "*?[")}
    globs = [p for p in patterns if p not in exact]
    glob_re = re.compile("|".join(fnmatch.translate(p) for p in globs)) if globs else None
    for i, t in enumerate(tasks):
        if kind[i] != "data-collection":
            continue
        used = any(a in exact or (glob_re is not None and glob_re.match(a)) for a in t.produces)
        if not used:
            used = any(kind[k] == "analysis" for k in ctx.succs[i])
        if not used:
            what = ("its data (" + ", ".join(t.produces) + ")") if t.produces else "its data"
            yield Violation(f"data-collection task {ctx.kind_label(t)}: no analysis task uses {what}",
                            tasks=(t.id,),
                            hint=f"add an analysis task that consumes what '{t.id}' produces")

    kinds = set(ctx.settings.get("decision_kinds", ("decision", "strategy", "planning")))
    leads_to_decision = ctx.upstream(lambda t: ctx.kind(t) in kinds, ctx.flow_preds)
    for i, t in enumerate(tasks):
        if kind[i] == "analysis" and i not in leads_to_decision:
            yield Violation(f"analysis task {ctx.kind_label(t)} feeds no decision", tasks=(t.id,),
                            hint=f"make a decision, strategy or planning task depend on '{t.id}' or consume "
                                 f"its results")


@rule("FM008", "internal-only-measures", severity="warning", needs_schedule=False,
      summary="`measures` are given and none is of kind `customer-outcome`",
      hint="add customer-outcome measures (satisfaction, effort, retention, first-time-right) first")
def internal_only_measures(ctx: CheckContext):
    """## What it does
    When the plan lists `measures`, checks that at least one has `kind: customer-outcome`.

    ## Why is this bad?
    A scorecard of calls answered, handle time and cost per transaction rewards the organisation
    for serving itself: people optimise what is measured, and customers' experience can worsen
    while every internal measure turns green.

    ## Example
    ```yaml
    measures:
      - {name: Average handle time, kind: internal-efficiency}
      - {name: Calls answered per agent, kind: internal-efficiency}
    ```

    ## Use instead
    ```yaml
    measures:
      - {name: Customer effort score, kind: customer-outcome, owner: dana}
      - {name: First-contact resolution, kind: process}
      - {name: Average handle time, kind: internal-efficiency}
    ```
    """
    measures = ctx.plan.measures
    if measures and not any(m.kind == "customer-outcome" for m in measures):
        names = ", ".join(f"'{m.name}'" for m in measures[:4]) + (" …" if len(measures) > 4 else "")
        source = measures[0].source or ctx.plan.source or (Source(ctx.plan.path) if ctx.plan.path else None)
        yield Violation(f"none of the {len(measures)} measures is a customer outcome ({names})", source=source)
