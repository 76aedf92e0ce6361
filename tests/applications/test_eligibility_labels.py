"""A submitted application's eligibility snapshot names each rule's kind in the reader's language."""

from django.template import Context, Template
from django.utils import translation

from programs.models import RuleKind


def test_the_snapshots_rule_kind_is_shown_in_the_readers_language_not_as_stored():
    stored = {"kind": "company_size", "label": "Company size (employees, revenue)", "outcome": "passed"}
    template = Template("{% load eligibility_labels %}{{ r|rule_kind_label }}")
    with translation.override("ko"):
        korean = str(RuleKind.COMPANY_SIZE.label)
        assert template.render(Context({"r": stored})) == korean
    assert korean != "Company size (employees, revenue)", "the catalogue has the kind"
    assert template.render(Context({"r": {"kind": "gone", "label": "Old rule"}})) == "Old rule"


def test_the_snapshots_reason_is_shown_in_the_readers_language_and_an_old_sentence_as_stored():
    stored = {
        "kind": "ip_types",
        "reason": "Every selected IP asset is of an accepted type.",
        "reason_words": {"msgid": "Every selected IP asset is of an accepted type.", "params": {}},
    }
    template = Template("{% load eligibility_labels %}{{ r|rule_reason }}")
    with translation.override("ko"):
        korean = template.render(Context({"r": stored}))
        old = template.render(Context({"r": {"reason": "An old English sentence."}}))
    assert korean == "선택한 모든 지식재산이 인정 유형에 해당합니다."
    assert old == "An old English sentence."
