"""Peak resident memory of one process (``python -m bench.memory report|downloads``), printed as JSON:

- report: a worker building the utilisation report with its PDF and XLSX (report_files_render), as the report
  task does;
- downloads: a web process serving 20 PDF and 20 XLSX downloads of that stored report through the whole stack.
``start_mb`` is the process after Django's setup: the peak's share that is the work is ``peak_mb - start_mb``."""

import json
import sys

from bench.setup import configure


def _mb():
    """This process's peak RSS (VmHWM: per address space, so it starts anew at exec; ru_maxrss would keep the
    forking parent's peak)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def main(mode):
    configure()
    start = _mb()
    from bench.measures import PERIOD, _client, stored_report

    if mode == "report":
        from django.conf import settings
        from django.utils import translation

        from funds.reports import build
        from reporting import exports

        build("all", *PERIOD)
        report = stored_report()
        for (
            language,
            _name,
        ) in settings.LANGUAGES:  # what report_files_render renders, without storing it again
            for fmt in ("pdf", "xlsx"):
                with translation.override(language):
                    exports.FORMATS[fmt][1](report)
    else:
        report, client = stored_report(), _client("official@bench.example")
        for _ in range(20):
            for fmt in ("pdf", "xlsx"):
                assert client.get(f"/reporting/{report.pk}/download.{fmt}").status_code == 200
    print(json.dumps({"mode": mode, "start_mb": start, "peak_mb": _mb()}))


if __name__ == "__main__":
    main(sys.argv[1])
