"""The queue's sort choices are put into words when shown: in Korean on a Korean page, not in the language of import."""

from django.utils import translation
from django.utils.translation import gettext

from casework.filters import CaseFilter


def test_descending_sort_choices_follow_the_active_language():
    choices = dict(CaseFilter.base_filters["ordering"].extra["choices"])
    for language in ("en", "ko"):
        with translation.override(language):
            expected = gettext("%s (descending)") % str(choices["submitted"])
            assert str(choices["-submitted"]) == expected
    with translation.override("en"):
        assert str(choices["-submitted"]) == "Submitted (descending)"
