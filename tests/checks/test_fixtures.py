"""Every rule against its fixtures: each file says what it should emit in its first line, and the
rendered findings are pinned in a snapshot beside it (refresh with ROLLOUT_UPDATE_SNAPSHOTS=1).

Schedule-quality fixtures may give a status date and progress in the next comment lines:
``# As of: 2027-02-15`` and ``# Actuals: D011.actuals.csv`` (a progress CSV beside the fixture)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import datetime as dt

from rollout.checks import check_plan, rules
from rollout.expand import load_plan
from rollout.tracking import read_actuals_csv

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOTS = Path(__file__).parent / "snapshots"
FIXTURE_FILES = sorted(FIXTURES.glob("*.yaml"))
_HEADER = re.compile(r"^# Should emit: (.+)$")
_ITEM = re.compile(r"^([A-Z]+\d+) on (task|tasks|cadence|plan)\b(.*)$")
_PROGRESS = re.compile(r"^# (As of|Actuals): (.+)$")


def check_fixture(name: str, select: list[str], fail_on: str = "error"):
    """check_plan on a fixture, with the status date and actuals its header comments give."""
    plan = load_plan(name, strict=False)
    given = {}
    for line in Path(name).read_text(encoding="utf-8").splitlines()[1:4]:
        m = _PROGRESS.match(line)
        if m:
            given[m.group(1)] = m.group(2).strip()
    as_of = dt.date.fromisoformat(given["As of"]) if "As of" in given else None
    actuals = read_actuals_csv(given["Actuals"], plan) if "Actuals" in given else None
    return check_plan(plan, select=select, fail_on=fail_on, status_date=as_of, actuals=actuals)


def code_of(path: Path) -> str:
    return re.match(r"[A-Z]+\d+", path.name).group(0)


def expected(path: Path) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Parse '# Should emit: FM006 on task a; S002 on cadence c; FM008 on plan' (or 'nothing')."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = _HEADER.match(first)
    assert m, f"{path.name} must start with '# Should emit: ...'"
    if m.group(1).strip() == "nothing":
        return []
    out = []
    for item in m.group(1).split(";"):
        im = _ITEM.match(item.strip())
        assert im, f"{path.name}: cannot read {item!r}"
        ids = tuple(x for x in re.split(r"[,\s]+", im.group(3)) if x)
        kind = im.group(2)
        out.append((im.group(1), ids if kind.startswith("task") else (), ids if kind == "cadence" else ()))
    return sorted(out)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_emits_what_its_header_says(path, monkeypatch):
    monkeypatch.chdir(FIXTURES)          # paths in the rendered text are relative to here
    result = check_fixture(path.name, [code_of(path)], fail_on="info")
    got = sorted((f.code, f.tasks, f.cadences) for f in result.findings)
    assert got == expected(path)
    assert result.failed == bool(got)

    rendered = result.render("text")
    snap = SNAPSHOTS / (path.stem + ".txt")
    if os.environ.get("ROLLOUT_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        snap.write_text(rendered, encoding="utf-8")
    assert snap.exists(), f"no snapshot {snap.name}: run with ROLLOUT_UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == snap.read_text(encoding="utf-8")


def test_near_misses_are_clean_under_every_rule_that_their_rule_family_shares(monkeypatch):
    """A near miss for one rule must not trip that rule's siblings of the same family either."""
    monkeypatch.chdir(FIXTURES)
    for path in FIXTURE_FILES:
        if ".ok" not in path.suffixes:
            continue
        family = code_of(path)[:2] if code_of(path).startswith("S") else code_of(path)
        result = check_fixture(path.name, [family])
        assert not result.failed, (path.name, [f.message for f in result.findings])


BUILTIN = [r for r in rules().values() if r.origin == "rollout"]


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_every_rule_has_a_four_part_doc_a_firing_fixture_and_a_near_miss(rule):
    parts = rule.doc_parts()
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert parts.get(heading), f"{rule.code} doc lacks '## {heading}'"
    assert "```yaml" in parts["Example"] and "```yaml" in parts["Use instead"]
    mine = [p for p in FIXTURE_FILES if code_of(p) == rule.code]
    firing = [p for p in mine if expected(p)]
    near = [p for p in mine if ".ok" in p.suffixes]
    assert firing, f"{rule.code} has no firing fixture in {FIXTURES}"
    assert near, f"{rule.code} has no near-miss fixture ({rule.code}.ok.yaml)"
    assert all(not expected(p) for p in near)
    assert all(code == rule.code for p in firing for code, _, _ in expected(p))


def test_codes_and_slugs_are_unique_and_the_catalogue_matches_the_spec():
    codes = [r.code for r in BUILTIN]
    slugs = [r.slug for r in BUILTIN]
    assert len(set(slugs)) == len(slugs)
    assert len(set(codes)) == len(codes)
    assert {f"FM{n:03d}" for n in range(1, 12)} | {f"S{n:03d}" for n in range(1, 6)} <= set(codes)
    spec = (Path(__file__).parents[2] / ".." / "shared" / "SPEC.md").resolve()
    if spec.exists():   # the contract: every built-in (code, slug) pair stands in SPEC 3a, verbatim
        table = dict(re.findall(r"^\| ([A-Z]+\d+) \| ([a-z-]+) \|", spec.read_text(encoding="utf-8"), re.M))
        assert {r.code: r.slug for r in BUILTIN}.items() <= table.items()
