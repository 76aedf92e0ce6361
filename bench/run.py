"""`make bench`: IPFin at scale on PostgreSQL, each measure beside its real baseline (issue 21). Not a test.

Environment (all optional):
- BENCH_DATABASE_URL  the 1x database (default postgres://postgres@127.0.0.1:5432/ipfin_bench); other scales add
                      ``_s<scale>`` to its name. Data are generated once per database by COPY (bench/generate.py).
- BENCH_SCALE         data scale (1: 100,000 applications, 50,000 facilities, 1,000,000 cash flows).
- BENCH_RUNS          whole passes over the measures (3); a target is met when it is met in every pass.
- BENCH_REPEAT        repetitions of each measure and its baseline in a pass (9), interleaved.
- BENCH_SECTIONS      report,ledger,pages,dashboard,jobs,downloads,memory,load (all by default).
- BENCH_DASHBOARD_SCALES  other scales whose dashboard is measured too, each in its own database and process
                      ("0.1"; "0.1,10" once the 10x data are generated: see bench/README.md).
- BENCH_LOAD_SECONDS  seconds of each load point (20).
- BENCH_CHECK         a margin (e.g. 1.5): exit 1 when a ratio of any pass exceeds its target × the margin.
- BENCH_OUT           where the results go (bench/results.json).
Results: a table on stdout and BENCH_OUT.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.setup import DB, ROOT, SCALE, configure, psql

configure()

from bench import generate, measures  # noqa: E402
from bench.load import load_test  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "9"))
SECTIONS = os.environ.get("BENCH_SECTIONS", "report,ledger,pages,dashboard,jobs,downloads,memory,load").split(
    ","
)
OTHER_SCALES = [float(s) for s in os.environ.get("BENCH_DASHBOARD_SCALES", "0.1").split(",") if s]
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
CHECK = float(os.environ["BENCH_CHECK"]) if os.environ.get("BENCH_CHECK") else None
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "bench" / "results.json"))
MEASURED = {
    "report": measures.fund_report,
    "ledger": measures.ledger,
    "pages": measures.pages,
    "dashboard": measures.dashboard,
    "jobs": measures.jobs,
    "downloads": measures.downloads,
}
PG_SETTINGS = [
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "maintenance_work_mem",
    "max_connections",
    "synchronous_commit",
    "fsync",
    "jit",
    "random_page_cost",
    "max_parallel_workers_per_gather",
]


def _git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def environment():
    cpu = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")]
    memory = next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    database = DB.rsplit("/", 1)[1]
    return {
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "machine": {
            "cpu": cpu[0] if cpu else platform.processor(),
            "cpus": os.cpu_count(),
            "memory_mb": int(memory) // 1024,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "postgresql": {
            "version": psql("SHOW server_version", database),
            "settings": {name: psql(f"SHOW {name}", database) for name in PG_SETTINGS},
        },
    }


def combine(runs):
    """Each row across the passes: medians, every pass's ratio, the spread, and whether every pass met the target."""
    rows = {}
    for name in runs[0]:
        passes = [run[name] for run in runs]
        row = {k: v for k, v in passes[0].items() if not isinstance(v, float)}
        for key in ("s", "baseline_s", "ratio"):
            if key in passes[0]:
                values = [p[key] for p in passes]
                row[key] = None if None in values else statistics.median(values)
                row[f"{key}_runs"] = values
        if "ratio" in row:
            row["spread"] = (max(row["ratio_runs"]) - min(row["ratio_runs"])) / row["ratio"]
        row["met"] = _met(row)
        rows[name] = row
    return rows


def _within(values, target, margin=1.0):
    return target is None or all(v <= target[1] * margin for v in values)


def _met(row):
    if row.get("seconds_target") and None in row.get("s_runs", [None]):
        return False  # stopped: not measured
    ratio_ok = _within(row.get("ratio_runs", []), row.get("target"))
    seconds_ok = _within(row.get("s_runs", []), row.get("seconds_target"))
    return ratio_ok and seconds_ok if (row.get("target") or row.get("seconds_target")) else None


def other_scales():
    """The dashboard at each other scale, in its own database and process."""
    found = {}
    for scale in OTHER_SCALES:
        if scale == SCALE:
            continue
        out = Path(f"/tmp/ipfin-bench-dashboard-{scale:g}.json")
        env = {
            **os.environ,
            "BENCH_SCALE": str(scale),
            "BENCH_SECTIONS": "dashboard",
            "BENCH_RUNS": "1",
            "BENCH_DASHBOARD_SCALES": "",
            "BENCH_CHECK": "",
            "BENCH_OUT": str(out),
        }
        subprocess.run([sys.executable, "-m", "bench.run"], cwd=ROOT, env=env, check=True)
        child = json.loads(out.read_text())
        found[f"{scale:g}"] = {**child["measures"], "data": child["data"]}
    return found


def memory():
    peaks = {}
    for mode in ("report", "downloads"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", mode], cwd=ROOT, capture_output=True, text=True, check=True
        )
        peaks[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    return peaks


def prepare():
    """The data (generated if needed), the dashboard's facts refreshed (timed) and a stored report."""
    from django.core.management import call_command

    from dashboards.facts import latest_refresh, refresh_facts

    call_command("collectstatic", interactive=False, verbosity=0)  # the production settings serve a manifest
    data = generate.ensure_data()
    refresh = latest_refresh() or refresh_facts()  # the data do not change between runs: refreshed once
    data["dashboard_refresh_s"] = (refresh.finished_at - refresh.started_at).total_seconds()
    data["dashboard_fact_rows"] = refresh.rows
    if {"downloads", "memory"} & set(SECTIONS):  # only they read it (at 10x it takes minutes to make)
        measures.stored_report()  # made once: its run writes audit events, which the fingerprint counts
    data["fingerprint"] = generate.fingerprint()
    data["generator_version"] = generate.GENERATOR_VERSION
    return data


def main():
    started, load_before = time.time(), os.getloadavg()
    results = {"scale": SCALE, **environment(), "load_average_before": load_before}
    results["data"] = prepare()
    runs = []
    for _ in range(RUNS):
        rows = {}
        for section in SECTIONS:
            if section in MEASURED:
                rows.update(MEASURED[section](REPEAT))
        runs.append(rows)
    results["measures"] = combine(runs)
    if "dashboard" in SECTIONS and OTHER_SCALES:
        results["dashboard_scales"] = other_scales()
    if "memory" in SECTIONS:
        results["memory"] = memory()
    if "load" in SECTIONS:
        results["load"] = load_test(LOAD_SECONDS)
    results["load_average_after"] = os.getloadavg()
    results["total_s"] = time.time() - started
    from bench.table import render

    print(render(results))
    OUT.write_text(json.dumps(results, indent=2, default=str))
    print(f"written to {OUT}")
    if CHECK is not None:
        sys.exit(check(results["measures"]))


def check(rows):
    """1 when a ratio of any pass crosses its target by more than the margin (CHECK); the failures on stderr."""
    failures = [
        f"{name}: ratios {', '.join(f'{r:.2f}' for r in row['ratio_runs'])} against {row['target'][1]} × {CHECK}"
        for name, row in rows.items()
        if row.get("target") and not _within(row["ratio_runs"], row["target"], CHECK)
    ]
    failures += [
        f"{name}: {row['queries']} queries"
        for name, row in rows.items()
        if "stopped" in str(row.get("queries"))
    ]
    print("\n".join(failures) or f"bench-check: every ratio within its target × {CHECK}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    main()
