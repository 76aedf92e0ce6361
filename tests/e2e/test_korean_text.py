"""A measure of English on Korean pages: every role's journey pages, read in Korean, have no text line in Latin
letters only, outside data and proper names.

A line of the page's text (``innerText``: headings, labels, cells, buttons, options, messages) counts as English when,
after taking out what is data or a name, a Latin word of two letters or more is left and the line has no Hangul:

- data of the demo world: what people and organisations typed or are called (names of people, organisations,
  companies, programs, funds and sub-funds, IP titles and registry numbers, file names, e-mail addresses, the
  documents a program asks for, free text such as purposes, assumptions, notes, messages, answers, reasons), read
  from the database for the fields below;
- numbers, dates, times, amounts, references and codes that hold a digit (``KIPO-2026-000001``, ``D10``), e-mail
  addresses and web addresses;
- currency codes (ISO 4217), technology grades (AAA … C), and the few words that are names in Korean text too:
  the product (IPFin), IP, PDF, CSV, XLSX, API, URL, TOTP, R&D, the fund multiples TVPI, DPI and RVPI, and the
  language switcher's "English".

A line with any Hangul is Korean (a name inside a Korean sentence is fine). The allowance is zero.
"""

import re
from collections import Counter

import pytest
from django.apps import apps

from tests.e2e.test_screens import ROLES, demo, journey_pages, sign_in_as  # noqa: F401 (demo is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

JOURNEY_ROLES = ["applicant", "case officer", "approver", "lender officer", "valuer", "official"]
ALLOWANCE = 0
DATA_FIELDS = {
    "name",
    "full_name",
    "legal_name",
    "title",
    "short_code",
    "registry_number",
    "registration_number",
    "registration_reference",
    "reference",
    "email",
    "sector",
    "purpose",
    "description",
    "assumptions",
    "body",
    "question",
    "answer",
    "comment",
    "comments",
    "return_comments",
    "decline_reason",
    "review_comment",
    "pdf_original_name",
    "original_name",
    "conditions",
    "bidder",
    "override_reason",
    "terms_override_reason",
    "subrogation_note",
    "actor_label",
    "address",
    "city",
    "owner_name",
    "applicant_name",
    "holder",
    "website",
    "investee",
    "notes",
    "note",
    "proposal",
    "required_documents",
    "category",  # a sub-fund's category: free text the agency types (funds.models.Fund)
}
NAMES = {
    "IPFin",
    "IP",
    "URL",
    "TVPI",
    "DPI",
    "RVPI",
    "PDF",
    "CSV",
    "XLSX",
    "API",
    "TOTP",
    "R&D",
    "English",
    "KRW",
    "USD",
    "EUR",
    "JPY",
    "GBP",
    "CNY",
    "AAA",
    "AA",
    "BBB",
    "BB",
    "CCC",
    "CC",
    "OK",
}
HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
NOISE = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail addresses
    r"|https?://\S+|/[\w/.-]*/"  # addresses
    r"|\b[\w.-]*\d[\w.-]*\b"  # numbers, dates, references and codes holding a digit
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’&-]+")


def data_strings():
    """Every value of the data fields above in the database, longest first (a name inside a longer one goes last)."""
    found = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.get_internal_type() in ("CharField", "TextField", "JSONField")
        ]
        fields = [f for f in fields if f in DATA_FIELDS]
        for values in model._base_manager.values_list(*fields) if fields else ():
            for value in values:
                texts = (
                    value if isinstance(value, list) else [value]
                )  # a JSON list of names (documents asked)
                for part in (line for text in texts if isinstance(text, str) for line in text.splitlines()):
                    if len(part.strip()) >= 2:
                        found.add(part.strip())
    return sorted(found, key=len, reverse=True)


def english_lines(text, data):
    lines = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or HANGUL.search(line):
            continue
        rest = line
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        rest = NOISE.sub(" ", rest)
        if [w for w in WORD.findall(rest) if w not in NAMES]:
            lines.append(line)
    return lines


def measure(browser, live_server, role):
    """{page: [English lines]} of the role's journey pages read in Korean."""
    data = data_strings()
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="ko-KR"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_as(page, ROLES[role])
    context.add_cookies([{"name": "django_language", "value": "ko", "url": live_server.url}])
    found = {}
    for href in journey_pages(page):
        page.goto(href)
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "ko"
        found[href] = english_lines(page.evaluate("document.body.innerText"), data)
    context.close()
    return found


@pytest.mark.parametrize("role", JOURNEY_ROLES)
def test_korean_pages_have_no_english_lines_outside_data_and_names(browser, live_server, demo, role):  # noqa: F811
    found = measure(browser, live_server, role)
    counts = {href: len(lines) for href, lines in found.items()}
    print(f"\n{role}: English lines per page: {counts}")
    total = sum(counts.values())
    report = "\n".join(
        f"{href}: {len(lines)}: "
        + " | ".join(f"{line[:60]} ×{n}" if n > 1 else line[:60] for line, n in Counter(lines).items())
        for href, lines in found.items()
        if lines
    )
    assert total <= ALLOWANCE, f"{role}: {total} English lines on Korean pages\n{report}"
