"""The results of `make bench` as the issue's table: each figure beside its baseline and target."""

LABELS = {
    "fund_report": "fund utilisation report, all funds ÷ SQL of its summaries + XIRR",
    "fund_report_from_entries": "  from the entries (design A) ÷ the report (what summaries buy)",
    "ledger_entry": "one ledger entry with its summaries ÷ a plain insert",
    "ledger_8_writers": "  8 concurrent writers to one fund, per entry ÷ plain inserts",
    "queue_page": "queue page (50 rows) ÷ same rows and columns, same middleware",
    "applications_api": "applications API list (50) ÷ same rows, json.dumps",
    "queue_search": "search in the queue ÷ the page without search",
    "dashboard_stored": "program dashboard, all programs, one year ÷ its own SQL",
    "dashboard_live": "  the same computed from the cases (no store)",
    "job_dpd": "nightly DPD job, 2 % of loans behind",
    "job_dpd_every_loan": "nightly DPD job, every loan defaults",
    "job_digest": "overdue digest",
    "job_sweeper": "report-run sweeper",
    "download_pdf": "PDF download of a stored report ÷ a file of the same size",
    "download_xlsx": "XLSX download of a stored report ÷ a file of the same size",
}


def _ms(value):
    return "" if value is None else f"{1000 * value:.1f}"


def _target(row):
    parts = [f"≤ {row['target'][1]}×" for _ in [0] if row.get("target")]
    parts += [f"≤ {row['seconds_target'][1]} s" for _ in [0] if row.get("seconds_target")]
    return ", ".join(parts)


def _line(name, row):
    ratio = (
        f"{row['ratio']:.2f} ({' / '.join(f'{r:.2f}' for r in row['ratio_runs'])})" if "ratio" in row else ""
    )
    extra = ", ".join(
        f"{k} {_ms(row[k]).strip() + ' ms' if isinstance(row[k], float) else row[k]}"
        for k in ("queries", "after_commit_s", "after_commit_queries", "rows", "bytes", "facilities")
        if k in row
    )
    met = {True: "met", False: "MISSED", None: ""}[row.get("met")]
    return f"{LABELS.get(name, name):<66}{_ms(row.get('s')):>10}{_ms(row.get('baseline_s')):>10}  {ratio:<26}{_target(row):<16}{met:<7}{extra}"


def _load(load):
    cap = load["capacity"]
    lines = [
        f"load ({load['pinning']}; {load['officers']} officers, gunicorn {load['web_args']})",
        f"  capacity, closed loop of 8: {cap['per_second']:.0f} req/s (target ≥ 150), "
        f"{cap['cpu_ms_per_request']:.1f} CPU ms/request, errors {cap['errors']}",
    ]
    for share, p in load["points"].items():
        lines.append(
            f"  open model at {share} ({p['rate']:.0f}/s): p50 {p['p50_ms']:.0f} p95 {p['p95_ms']:.0f} "
            f"p99 {p['p99_ms']:.0f} ms, {p['per_second']:.0f} served/s, errors {p['errors']}, "
            f"{p['cpu_ms_per_request']:.1f} CPU ms/request"
            + ("  (target p99 ≤ 250 ms)" if share == "70%" else "")
        )
    return lines


def render(results):
    data = results["data"]
    lines = [
        f"commit {results['commit'][:12]}{' (dirty)' if results['dirty'] else ''}, scale {results['scale']:g}, "
        f"data v{data['generator_version']} {data['fingerprint']} (generated in {data['seconds']:.0f} s, "
        f"{data['bytes'] / 2**30:.2f} GiB), PostgreSQL {results['postgresql']['version']}, "
        f"load average {results['load_average_before'][0]:.2f} → {results['load_average_after'][0]:.2f}",
        f"{'measure':<66}{'ms':>10}{'base ms':>10}  {'ratio (run 1 / 2 / 3)':<26}{'target':<16}",
    ]
    lines += [_line(name, row) for name, row in results["measures"].items()]
    for scale, rows in results.get("dashboard_scales", {}).items():
        row = rows["dashboard_stored"]
        lines.append(
            f"  dashboard at {scale}×: stored {_ms(row['s'])} ms (its SQL {_ms(row['baseline_s'])} ms), "
            f"computed from the cases {_ms(rows['dashboard_live']['s'])} ms"
        )
    for mode, peak in results.get("memory", {}).items():
        lines.append(f"peak RSS, {mode}: {peak['peak_mb']:.0f} MB (after setup {peak['start_mb']:.0f} MB)")
    if "load" in results:
        lines += _load(results["load"])
    lines.append(
        f"dashboard facts refresh: {data['dashboard_refresh_s']:.1f} s, {data['dashboard_fact_rows']} rows"
    )
    lines.append(f"total {results['total_s']:.0f} s")
    return "\n".join(lines)
