"""The queue's text search (casework.selectors.case_text_q): a case matches when its reference or its company's
legal name contains the term, ignoring case, whatever the path taken (a narrow term's company ids, or a broad term's
join), and only among the cases the user may see."""

import pytest
from django.db import connection
from django.urls import reverse

from applications.models import Application
from casework import selectors
from tests.factories import CompanyFactory, ProgramFactory, make_submitted

pytestmark = pytest.mark.django_db

NAMES = ["Hanbit Bio Co.", "한빛 바이오 주식회사", "Seoul Robotics", "Busan Bio Materials", "바이오로직스"]
TERMS = [
    "hanbit",
    "HANBIT BIO",
    "bio",
    "바이오",
    "빛 바",
    "주식회사",
    "obotic",
    "Co.",
    "%",
    "_",
    "zzz",
    "KIPO",
    "-0",
]


@pytest.fixture
def cases(program, other_agency):
    """Two cases per company in the officer's program, one in another agency's, and one draft (never listed)."""
    companies = [CompanyFactory(legal_name=name) for name in NAMES]
    made = [make_submitted(program, company=company) for company in companies for _ in range(2)]
    make_submitted(ProgramFactory(agency=other_agency, code="OTHER"), company=companies[0])
    Application.objects.create(
        program=program, company=companies[1], created_by=made[0].created_by, purpose="", wizard_step="amount"
    )
    return made


def _found(client, term):
    response = client.get(reverse("casework:queue"), {"q": term})
    assert response.status_code == 200
    return sorted(case["id"] for case in response.context["page"].object_list)


def _expected(cases, term):
    """An independent reading of the rule: contains, ignoring case (none of these names has a non-ASCII case)."""
    term = term.strip().upper()
    return sorted(
        case.pk
        for case in cases
        if term in Application.objects.get(pk=case.pk).reference.upper()
        or term in case.company.legal_name.upper()
    )


@pytest.mark.parametrize("broad_above", [selectors.TEXT_SEARCH_COMPANIES, 0, 1])
def test_the_search_finds_by_reference_or_company_name_in_any_case(
    client, officer, cases, monkeypatch, broad_above
):
    """The same cases whether the term's companies are looked up first or joined (a term is broad when it names more
    companies than TEXT_SEARCH_COMPANIES)."""
    monkeypatch.setattr(selectors, "TEXT_SEARCH_COMPANIES", broad_above)
    client.force_login(officer)
    reference = Application.objects.get(pk=cases[3].pk).reference
    for term in [*TERMS, reference, reference.lower(), reference[2:-2], f"  {reference}  "]:
        assert _found(client, term) == _expected(cases, term), term
    assert len(_found(client, "바이오")) == 4  # Korean, partial: two companies, not the other agency's case
    assert _found(client, reference) == [cases[3].pk]
    assert _found(client, "zzz") == []


def test_the_search_keeps_to_the_users_agency(client, officer, cases, other_agency):
    from tests.factories import make_user

    outsider = make_user("case_officer", other_agency)
    client.force_login(outsider)
    other = Application.objects.get(program__code="OTHER")
    assert _found(client, "hanbit bio") == [other.pk]
    assert _found(client, "바이오") == []


def test_the_cases_api_searches_the_same_way(api_client, officer, cases):
    from tests.factories import make_token

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(officer)}")
    for term in ["hanbit", "바이오", "obotic"]:
        listed = api_client.get("/api/v1/cases/", {"q": term}).json()["results"]
        assert sorted(case["id"] for case in listed) == _expected(cases, term), term


@pytest.mark.postgres
def test_postgresql_reads_the_search_through_its_trigram_indexes(cases):
    """The indexes' expression is the one Django writes for icontains, so the planner can use them (told to avoid a
    scan of these few rows, it must pick them)."""
    queries = [
        selectors.Company.objects.filter(legal_name__icontains="bio").values("pk").query,
        Application.objects.filter(reference__icontains="KIPO").order_by().values("pk").query,
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # a GIN index is read by a bitmap scan
        plans = []
        for query in queries:
            sql, params = query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert "company_legal_name_trgm" in plans[0], plans[0]
    assert "application_reference_trgm" in plans[1], plans[1]
