"""Hostile plans and templates (issue 11): how long each takes to be refused, and what it prints.

Prints figures, asserts nothing. Each case is written to a temp folder and run as a whole
`rollout check` process under a 2 GiB address-space cap; the figures are wall seconds, peak
resident memory, the exit code and the length of what was printed. Also times the did-you-mean of
unknown `remove:` ids on a 50,000-task plan against plain difflib over every id.

    PYTHONPATH=. python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import difflib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HEAD = "plan: p\ntitle: P\nstart: 2027-01-11\n"


def cases(d: Path) -> dict[str, Path]:
    out = {}
    items = ", ".join(f"x{i}" for i in range(200))
    (d / "bomb.yaml").write_text(f"template: bomb\nparameters:\n  a: {{type: list, default: [{items}]}}\n"
                                 "workstreams:\n  - id: w\n    tasks:\n"
                                 "      - {id: 't-{{ x }}-{{ y }}-{{ z }}', for_each: {x: a, y: a, z: a}, "
                                 "name: n, duration: 1d}\n")
    out["for_each 200x200x200 (1.3 KB template)"] = _plan(d, "p-bomb.yaml", "uses: [{template: bomb.yaml}]\n")
    for k in range(30):
        nxt = f"includes:\n  - template: d{k + 1}.yaml\n  - template: d{k + 1}.yaml\n" if k < 29 else ""
        (d / f"d{k}.yaml").write_text(f"template: d{k}\n{nxt}")
    out["include diamond, 30 levels"] = _plan(d, "p-diamond.yaml", "uses: [{template: d0.yaml}]\n")
    for k in range(1200):
        nxt = f"includes:\n  - template: c{k + 1}.yaml\n" if k < 1199 else ""
        (d / f"c{k}.yaml").write_text(f"template: c{k}\n{nxt}")
    out["include chain 1,200 deep"] = _plan(d, "p-chain.yaml", "uses: [{template: c0.yaml}]\n")
    tasks = "".join(f"      - {{id: t{t}, name: n, duration: 1d, depends_on: ['*.*']}}\n" for t in range(100))
    body = "".join(f"  - id: w{w}\n    tasks:\n{tasks}" for w in range(50))
    out["glob on every task, 5,000 tasks (25M deps)"] = _plan(d, "p-globs.yaml", "workstreams:\n" + body)
    out["40 KB name of {{"] = _plan(d, "p-braces.yaml", 'workstreams:\n  - id: w\n    tasks:\n      - id: a\n'
                                    '        duration: 1d\n        name: "' + "{{" * 20000 + '"\n')
    out["YAML nested 65 deep"] = _plan(d, "p-deep.yaml", "mission: " + "[" * 65 + "]" * 65 + "\n")
    out["start: 9999-06-01"] = _write(d / "p-9999.yaml", "plan: p\ntitle: P\nstart: 9999-06-01\n"
                                      "workstreams: [{id: w, tasks: [{id: a, name: A, duration: 200d}]}]\n")
    out["uses: /proc/self/pagemap"] = _plan(d, "p-proc.yaml", "uses: [{template: /proc/self/pagemap}]\n")
    return out


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _plan(d: Path, name: str, body: str) -> Path:
    return _write(d / name, HEAD + body)


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def run(path: Path) -> tuple[float, float, int, int]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "rollout", "check", str(path)], cwd=path.parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_limit_memory)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), len(out)


def suggestions(n_tasks: int = 50_000, unknown: int = 20) -> None:
    from rollout.util import Candidates, did_you_mean

    ids = [f"ws{w:04d}.t{t:03d}" for w in range(n_tasks // 100) for t in range(100)]
    words = [f"ws{k:04d}.zz{k}" for k in range(unknown)]
    t0 = time.perf_counter()
    old = [difflib.get_close_matches(w, ids, n=1) for w in words]
    t_old = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = Candidates(ids)
    new = [did_you_mean(w, index) for w in words]
    t_new = time.perf_counter() - t0
    same = sum(1 for a, b in zip(old, new) if (a[0] if a else None) == b)
    print(f"\n{unknown} unknown remove: ids on {n_tasks:,} tasks: difflib over every id {t_old:.2f} s "
          f"({t_old / unknown:.3f} s each); did_you_mean {t_new:.3f} s including the index "
          f"({same}/{unknown} same suggestion)")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'case':46} {'wall s':>7} {'peak MiB':>9} {'exit':>5} {'printed':>8}")
        for name, path in cases(Path(tmp)).items():
            wall, mib, code, size = run(path)
            print(f"{name:46} {wall:7.2f} {mib:9.0f} {code:5d} {size:8,}")
    suggestions()


if __name__ == "__main__":
    main()
