"""Benchmarks of the reports; prints figures, asserts nothing.

1. A 5,000-task Gantt: HTML size, Python build time, and load + draw time in headless Chromium
   (expanded: one row per task; and the default collapsed view).
2. ``rollout report`` on a 2,000-task plan file against ``tj3`` writing an HTML Gantt and an iCal
   export of the same graph: wall time and peak memory (max RSS) of each, in the same run.

    PYTHONPATH=. python benchmarks/bench_reports.py [--tasks 5000] [--report-tasks 2000] [--runs 3]
    [--skip-browser] [--skip-tj3]

Needs /usr/bin/chromium and Playwright for part 1, tj3 and /usr/bin/time for part 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rollout.reports.gantt import gantt_html  # noqa: E402
from rollout.schedule import schedule  # noqa: E402
from tests.reports.plans import big_plan  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Milliseconds from navigation start until plotly has drawn the chart and a frame has been painted.
_READY = """() => new Promise((resolve) => {
  const poll = () => {
    const gd = document.getElementById('gantt');
    if (gd && gd._fullLayout && gd.querySelector('.cartesianlayer .trace')) {
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
    } else { setTimeout(poll, 10); }
  };
  poll();
})"""


def plan_yaml(plan) -> str:
    """A stand-alone plan file for a model Plan whose task ids are ``<workstream>.<id>``."""
    lines = [f"plan: {plan.id}", f"title: {json.dumps(plan.title)}", f"start: {plan.start.isoformat()}",
             "workstreams:"]
    by_ws: dict[str, list] = {}
    for t in plan.tasks:
        by_ws.setdefault(t.workstream, []).append(t)
    names = {w.id: w.name for w in plan.workstreams}
    for ws, tasks in by_ws.items():
        lines += [f"  - id: {ws}", f"    name: {json.dumps(names.get(ws, ws))}", "    tasks:"]
        for t in tasks:
            deps = ", ".join(d.task for d in t.depends_on)
            lines.append(f"      - {{id: {t.id.split('.', 1)[1]}, name: {json.dumps(t.name)}, duration: {t.duration}"
                         + ("d" if t.duration else "") + f", owner: {t.owner}"
                         + (f", depends_on: [{deps}]" if deps else "") + "}")
    lines += ["cadences:", "  - {id: steering, name: Steering committee, every: 2w, participants: [executive]}"]
    return "\n".join(lines) + "\n"


def measure(cmd: list[str], cwd: str, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a command, through /usr/bin/time."""
    fd, stats = tempfile.mkstemp(suffix=".time")
    os.close(fd)
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", stats, *cmd], cwd=cwd, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    peak_kb = int(Path(stats).read_text().split()[-1])
    os.unlink(stats)
    return wall, peak_kb / 1024


def bench_gantt(n: int, runs: int, browser: bool) -> None:
    sched = schedule(big_plan(n))
    print(f"== Gantt of {n} tasks ({sum(len(t.depends_on) for t in sched.plan.tasks)} links, "
          f"{sched.start_date} → {sched.finish_date})")
    pages = {}
    variants = (("expanded", {"collapse": False}), ("expanded+names", {"collapse": False, "labels": True}),
                ("collapsed", {}))
    for label, options in variants:
        t0 = time.perf_counter()
        page = gantt_html(sched, today=dt.date(2027, 6, 1), **options)
        build = time.perf_counter() - t0
        pages[label] = page
        print(f"{label:>14}: HTML {len(page.encode()) / 1e6:.2f} MB, built in {build:.2f} s")
    if not browser:
        return
    exe = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        exe = None
    if exe is None:
        print("(no chromium or playwright: browser timings skipped)")
        return
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(Path(tmp) / "profile"), executable_path=exe, args=FLAGS,
                                                   headless=True, viewport={"width": 1400, "height": 900})
        for label, page_html in pages.items():
            path = Path(tmp) / f"{label}.html"
            path.write_text(page_html)
            times = []
            for _ in range(runs):
                page = ctx.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(path.as_uri(), wait_until="commit", timeout=120_000)
                times.append(page.evaluate(_READY) / 1000)
                page.close()
                if errors:
                    print("  page errors:", errors[:3])
            print(f"{label:>14}: load + draw in headless Chromium {min(times):.2f} s best, "
                  f"{statistics.median(times):.2f} s median of {runs}")
        ctx.close()


def tj3_project(plan) -> str:
    sys.path.insert(0, str(ROOT / "tests"))
    from tests.oracle.tjp import to_tjp

    text = to_tjp(plan, report=False).text
    return text + ('taskreport "gantt" { formats html columns name, start, end, chart }\n'
                   'icalreport "plan" { }\n')


def bench_report(n: int, runs: int) -> None:
    plan = big_plan(n)
    print(f"\n== rollout report vs tj3 on {n} tasks")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "plan.yaml").write_text(plan_yaml(plan))
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        rows = []
        for risk in (2000, 0):
            best = None
            for _ in range(runs):
                got = measure([sys.executable, "-m", "rollout", "report", "plan.yaml", "-o", "out",
                               "--risk-iterations", str(risk), "--today", "2027-06-01"], tmp, env)
                best = got if best is None or got[0] < best[0] else best
            size = sum(f.stat().st_size for f in (Path(tmp) / "out").iterdir()) / 1e6
            rows.append((f"rollout report (risk {risk} iterations)", *best, size))
        if shutil.which("tj3"):
            (Path(tmp) / "plan.tjp").write_text(tj3_project(plan))
            (Path(tmp) / "tj").mkdir()
            wall, peak = measure(["tj3", "--no-color", "-o", "tj", "plan.tjp"], tmp)
            size = sum(f.stat().st_size for f in (Path(tmp) / "tj").rglob("*") if f.is_file()) / 1e6
            rows.append(("tj3 (HTML Gantt + iCal)", wall, peak, size))
        else:
            print("(no tj3: its side skipped)")
        for label, wall, peak, size in rows:
            print(f"{label:>40}: {wall:6.2f} s, peak {peak:7.1f} MB, output {size:6.1f} MB")
        if len(rows) == 3:
            tj_wall, tj_peak = rows[2][1], rows[2][2]
            for label, wall, peak, _ in rows[:2]:
                print(f"{label:>40}: {tj_wall / wall:5.1f}x faster, {peak / tj_peak:.3f} of tj3's memory "
                      f"(1/{tj_peak / peak:.1f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--report-tasks", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-browser", action="store_true")
    ap.add_argument("--skip-tj3", action="store_true")
    args = ap.parse_args()
    bench_gantt(args.tasks, args.runs, not args.skip_browser)
    if not args.skip_tj3:
        bench_report(args.report_tasks, args.runs)


if __name__ == "__main__":
    main()
