"""Property tests for expansion: ids are unique, slug-safe and stable; both loader paths agree."""

import json
import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.expand import expand_text
from rollout.loader import load_yaml_text
from rollout.templating import render

ID_OK = re.compile(r"[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*\Z")

# Names people give business units and segments: any printable text, accents and symbols included.
names = st.text(alphabet=string.ascii_letters + string.digits + " &/.,'()-éüß" + "ÅØ", min_size=1, max_size=24) \
    .filter(lambda s: re.search(r"[A-Za-z0-9]", s))


def plan_for(units, segments):
    return {
        "plan": "prop", "title": "Property", "start": "2027-01-11",
        "workstreams": [{
            "id": "w", "name": "W",
            "tasks": [
                {"id": "kickoff", "duration": "1d"},
                {"id": "wave-{{ unit }}-{{ segment }}", "for_each": {"unit": units, "segment": segments},
                 "name": "Wave {{ unit_index }}: {{ unit }} / {{ segment }}", "duration": "2d",
                 "depends_on": ["kickoff", {"task": "wave-{{ unit_previous }}-{{ segment }}", "optional": True}]},
                {"id": "close", "kind": "milestone", "depends_on": ["w.wave-*"]},
            ],
        }],
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(names, min_size=1, max_size=5, unique_by=lambda s: re.sub(r"[^a-z0-9]+", "", s.lower())),
       st.lists(names, min_size=1, max_size=3, unique_by=lambda s: re.sub(r"[^a-z0-9]+", "", s.lower())))
def test_for_each_ids_are_unique_slug_safe_and_stable(units, segments):
    text = json.dumps(plan_for(units, segments))        # JSON is YAML: no quoting surprises in the test itself
    try:
        plan = expand_text(text, "prop.yaml")
    except Exception as exc:                            # two names may slug to the same id: a clear error
        assert "duplicate task id" in str(exc), exc
        return
    ids = [t.id for t in plan.tasks]
    assert len(ids) == len(set(ids)) == len(units) * len(segments) + 2
    assert all(ID_OK.match(i) for i in ids), ids
    assert [t.id for t in expand_text(text, "prop.yaml").tasks] == ids           # stable across runs
    close = plan.task_index()["w.close"]
    assert {d.task for d in close.depends_on} == set(ids) - {"w.close", "w.kickoff"}


scalars = st.one_of(st.text(alphabet=string.ascii_letters + string.digits + " -_.:/,", max_size=12),
                    st.sampled_from(["true", "false", "null", "~", "", "007", "2027-01-11", "1e3", "NO", "yes"]))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8), inner, max_size=4)),
    max_leaves=20)


def to_block_yaml(value, indent=0):
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{k}: {to_block_yaml(v, indent + 2)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {to_block_yaml(v, indent + 2).lstrip()}" for v in value)
    if value in ("", "~", "null", "true", "false"):
        return value                                     # plain: the loader's constants
    return json.dumps(value)                             # quoted: always text


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8), yaml_values,
                       min_size=1, max_size=5))
def test_fast_and_precise_loader_paths_agree(doc):
    text = to_block_yaml(doc).lstrip("\n") + "\n"
    fast = load_yaml_text(text, "x.yaml").data
    precise = load_yaml_text(text + "zz_anchor: &a 1\n", "x.yaml").data    # an anchor forces the precise path
    precise.pop("zz_anchor")
    assert fast == precise


@given(st.text(max_size=40))
def test_rendering_never_evaluates(text):
    # whatever the text, rendering either substitutes a known name or refuses; it never runs anything
    ctx = {"org": "Acme"}
    try:
        out = render(text, ctx)
    except ValueError:
        return
    assert isinstance(out, str)
    assert "{{" not in out or "{{" in text.replace("{{ org }}", "").replace("{{org}}", "")
