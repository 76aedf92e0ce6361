"""'New report' notices are put into words in each reader's language from the report's title code."""

from types import SimpleNamespace

from django.utils import translation

from reporting.labels import LABELS
from reporting.services import NEW_REPORT, new_report_subject


def test_a_new_report_notice_keeps_the_titles_code_and_parameters_not_an_english_sentence():
    report = SimpleNamespace(
        title="Fund utilisation — K-Content — 2026-09-30",
        data={
            "title": {
                "code": "title.fund_utilisation.fund",
                "params": {"fund": "K-Content", "period_end": "2026-09-30"},
            }
        },
    )
    subject = new_report_subject(report)
    assert subject.spec() == {
        "msgid": "New report: Fund utilisation — %(fund)s — %(period_end)s",
        "params": {"fund": "K-Content", "period_end": "2026-09-30"},
    }
    with translation.override("en"):
        assert str(subject) == "New report: Fund utilisation — K-Content — 2026-09-30"
    # every title code a report can carry has its notice, with the same placeholders
    for code, message in NEW_REPORT.items():
        with translation.override(None):
            assert str(LABELS[code]).split("%(")[1:] == str(message).split("%(")[1:], code


def test_a_report_whose_title_is_not_a_code_is_announced_with_its_title():
    subject = new_report_subject(SimpleNamespace(title="Old report", data={}))
    assert subject.spec() == {"msgid": "New report: %(title)s", "params": {"title": "Old report"}}
