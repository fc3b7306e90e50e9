"""Benchmark of interop: `rollout export` to each format and `rollout import` of each, whole processes.

Prints figures, asserts nothing. For each size a generated plan (benchmarks/generate.py) is exported to
MSPDI (.xml), XER, xlsx and CSV; then each file is imported back (`rollout import`; .xml and .xer go through
MPXJ and start a Java VM, so they are skipped without the mpxj extra or a Java runtime). Wall-clock and CPU
seconds (user + system of the child, Java included) and peak resident memory, best of --repeat runs.

    PYTHONPATH=. python benchmarks/bench_interop.py                  # 10000 tasks
    PYTHONPATH=. python benchmarks/bench_interop.py --sizes 1000,10000 --repeat 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_plan import ROLLOUT, best_of, row  # noqa: E402
from benchmarks.generate import write  # noqa: E402

FORMATS = ("xml", "xer", "xlsx", "csv")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000", help="comma-separated task counts")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--formats", default=",".join(FORMATS))
    args = ap.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    print(f"{'tasks':>8}  {'what':<31} {'wall s':>8} {'median':>8} {'cpu s':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory(prefix="rollout-bench-interop-") as tmp:
        tmp = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            plan = write(n, tmp, tjp=False)["yaml"]
            for fmt in formats:
                out = tmp / f"plan-{n}.{fmt}"
                m = best_of([*ROLLOUT, "export", str(plan), "-o", str(out)], tmp, args.repeat)
                size = f"{out.stat().st_size / 1e6:.1f} MB" if out.exists() else ""
                row(n, f"export {fmt}", m, size if m["rc"] == 0 else f"exit {m['rc']}")
            for fmt in formats:
                src = tmp / f"plan-{n}.{fmt}"
                if not src.exists():
                    continue
                back = tmp / f"back-{n}-{fmt}.yaml"
                m = best_of([*ROLLOUT, "import", str(src), "-o", str(back), "--force"], tmp, args.repeat)
                row(n, f"import {fmt}", m, "" if m["rc"] == 0 else f"exit {m['rc']} (mpxj extra or Java missing?)")


if __name__ == "__main__":
    main()
