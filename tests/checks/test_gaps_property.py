"""The gap arithmetic behind FM003/FM005, checked against a day-by-day count on random intervals."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout.checks import CheckContext
from rollout.model import CalendarSpec, Plan, Task

intervals = st.lists(st.tuples(st.integers(0, 120), st.integers(1, 15), st.sampled_from("abcdef")), max_size=12)


def brute_force(items, limit, end):
    covered = [False] * end
    for s, e, _ in items:
        for d in range(s, min(e, end)):
            covered[d] = True
    gaps, run_start = [], None
    for d in range(end + 1):
        if d < end and not covered[d]:
            run_start = d if run_start is None else run_start
        elif run_start is not None:
            if d - run_start > limit:
                gaps.append((run_start, d))
            run_start = None
    return gaps


@settings(max_examples=300, deadline=None)
@given(raw=intervals, limit=st.integers(0, 30), end=st.integers(1, 140))
def test_gaps_match_a_day_by_day_count(raw, limit, end):
    ctx = CheckContext(Plan("p", "P", dt.date(2027, 1, 4), CalendarSpec(), (Task("w.a", "A", "w", 1),)))
    items = sorted((s, s + n, ident) for s, n, ident in raw)
    got = ctx.gaps(items, limit, end=end)
    assert [(s, e) for s, e, _, _ in got] == brute_force(items, limit, end)
    for s, e, before, after in got:
        # the neighbours named are the items that end at the gap's start and begin at its end
        assert before is None or any(i == before and ie == s for _, ie, i in items)
        assert after is None or any(i == after and is_ == e for is_, _, i in items)
