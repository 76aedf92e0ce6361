"""Dates a registry could have issued, and starting an application that leaves no silent empty draft."""

from datetime import date, timedelta

import pytest

from applications import services
from applications.models import Application, IPAsset
from core.errors import Conflict, InvalidInput
from programs.models import Program
from tests.factories import company_for_user

pytestmark = pytest.mark.django_db


def asset_data(**dates):
    return {
        "ip_type": "patent",
        "jurisdiction": "KR",
        "registry_number": "10-2021-0001234",
        "title": "Engine",
        "owner_name": "Company A",
        **dates,
    }


def test_a_patent_cannot_expire_more_than_25_years_after_filing(applicant):
    company = company_for_user(applicant)
    # filed 2021-03-01: 20 years + at most 5 of extension → 2046-03-01 at the latest
    with pytest.raises(InvalidInput) as error:
        services.ip_asset_create(
            company=company,
            actor=applicant,
            data=asset_data(filing_date=date(2021, 3, 1), expiry_date=date(9999, 12, 31)),
        )
    assert "expiry_date" in error.value.details
    with pytest.raises(InvalidInput):
        services.ip_asset_create(
            company=company,
            actor=applicant,
            data=asset_data(filing_date=date(2021, 3, 1), expiry_date=date(2046, 3, 2)),
        )
    asset = services.ip_asset_create(
        company=company,
        actor=applicant,
        data=asset_data(filing_date=date(2021, 3, 1), expiry_date=date(2046, 3, 1)),
    )
    assert asset.expiry_date == date(2046, 3, 1)


def test_filing_and_grant_dates_in_the_future_are_refused(applicant):
    company = company_for_user(applicant)
    with pytest.raises(InvalidInput) as error:
        services.ip_asset_create(
            company=company, actor=applicant, data=asset_data(filing_date=date.today() + timedelta(days=1))
        )
    assert "filing_date" in error.value.details


def test_a_trademark_expiry_beyond_one_ten_year_term_is_refused(applicant):
    company = company_for_user(applicant)
    data = asset_data(ip_type="trademark", registry_number="40-2021-0001234")
    with pytest.raises(InvalidInput):
        services.ip_asset_create(
            company=company,
            actor=applicant,
            data={**data, "expiry_date": date.today() + timedelta(days=3700)},
        )


def test_the_asset_form_keeps_what_was_typed_with_the_fields_message(client, applicant):
    company_for_user(applicant)
    client.force_login(applicant)
    response = client.post(
        "/applications/assets/new/",
        {
            "ip_type": "patent",
            "jurisdiction": "KR",
            "registry_number": "10-2021-0001234",
            "title": "Typed title",
            "filing_date": "2021-03-01",
            "expiry_date": "9999-12-31",
            "status": "registered",
            "owner_name": "Company A",
        },
    )
    body = response.content.decode()
    assert "Typed title" in body and "9999-12-31" in body and "at most 2046-03-01" in body
    assert not IPAsset.objects.exists()


def test_starting_outside_the_programs_window_leaves_no_draft(client, program, applicant):
    company_for_user(applicant)
    Program.objects.filter(pk=program.pk).update(closes_on=date.today() - timedelta(days=1))
    client.force_login(applicant)
    response = client.post("/applications/start/", {"program": program.pk}, follow=True)
    assert "not open for applications" in response.content.decode()
    assert not Application.objects.exists()


def test_starting_twice_returns_the_untouched_draft_instead_of_a_second_empty_one(program, applicant):
    company = company_for_user(applicant)
    first = services.application_create_draft(company=company, program=program, actor=applicant)
    assert services.application_create_draft(company=company, program=program, actor=applicant) == first
    assert Application.objects.count() == 1
    program.closes_on = date.today() - timedelta(days=1)
    with pytest.raises(Conflict):
        services.application_create_draft(company=company, program=program, actor=applicant)
