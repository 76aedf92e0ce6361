"""Formats of company registration numbers and IP registry numbers, per country / office."""

import re

from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput

COMPANY_NUMBER_FORMATS = {
    "KR": (r"\d{3}-\d{2}-\d{5}", _("a Korean business registration number looks like 123-45-67890")),
    "CN": (
        r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}",
        _("a unified social credit code has 18 characters, e.g. 91110000600037341L"),
    ),
    "GB": (
        r"(\d{8}|(SC|NI|OC|SO|NC)\d{6})",
        _("a Companies House number has 8 characters, e.g. 01234567 or SC123456"),
    ),
    "US": (r"\d{2}-\d{7}", _("an EIN looks like 12-3456789")),
}

# Patent / design / trademark numbers as the offices print them.
REGISTRY_FORMATS = {
    "KR": (r"(10|20|30|40|41|45)-\d{4}-\d{7}", _("KIPO numbers look like 10-2020-0123456")),
    "CN": (r"(ZL)?\d{12}\.[0-9X]", _("CNIPA numbers look like ZL202010123456.7")),
    "GB": (r"(GB|UK)\d{7}[A-Z]?|UK\d{11}", _("UKIPO numbers look like GB2512345 or UK00003123456")),
    "EP": (r"EP\d{7}", _("EPO numbers look like EP1234567")),
    "US": (
        r"(US)?(\d{1,2},\d{3},\d{3}|\d{7,8}|D\d{6}|RE\d{5})",
        _("USPTO numbers look like 10,123,456 or US10123456"),
    ),
}


def _normalise(value):
    return (value or "").strip().upper().replace(" ", "")


def validate_company_number(country, number):
    """The number in its normal form, or InvalidInput saying what the format is."""
    country = (country or "").upper()
    number = _normalise(number)
    if country not in COMPANY_NUMBER_FORMATS:
        raise InvalidInput(
            _("Companies from %(c)s cannot register yet (supported: %(list)s).")
            % {"c": country or "?", "list": ", ".join(COMPANY_NUMBER_FORMATS)},
            code="unsupported_country",
            details={"country": country},
        )
    pattern, hint = COMPANY_NUMBER_FORMATS[country]
    if not re.fullmatch(pattern, number):
        raise InvalidInput(
            _("“%(n)s” is not a valid number: %(hint)s.") % {"n": number, "hint": hint},
            code="invalid_registration_number",
            details={"registration_number": [str(hint)]},
        )
    return number


def validate_registry_number(jurisdiction, number):
    jurisdiction = (jurisdiction or "").upper()
    number = _normalise(number)
    if jurisdiction not in REGISTRY_FORMATS:
        raise InvalidInput(
            _("IP office %(j)s is not supported (supported: %(list)s).")
            % {"j": jurisdiction or "?", "list": ", ".join(REGISTRY_FORMATS)},
            code="unsupported_office",
            details={"jurisdiction": [f"unsupported: {jurisdiction}"]},
        )
    pattern, hint = REGISTRY_FORMATS[jurisdiction]
    if not re.fullmatch(pattern, number):
        raise InvalidInput(
            _("“%(n)s” is not a valid %(j)s registry number: %(hint)s.")
            % {"n": number, "j": jurisdiction, "hint": hint},
            code="invalid_registry_number",
            details={"registry_number": [str(hint)]},
        )
    return number
