import pytest

from applications.services import application_submit
from casework.models import RubricCriterion
from tests.factories import ApplicationFactory, IPAssetFactory, ProgramFactory


@pytest.fixture
def program(agency, officer, second_officer):
    program = ProgramFactory(agency=agency, code="KIPO")
    program.officers.set([officer, second_officer])
    RubricCriterion.objects.create(program=program, name="Technology", weight=2)
    RubricCriterion.objects.create(program=program, name="Finance", weight=1)
    return program


@pytest.fixture
def submitted(program, company, applicant):
    """A case submitted through the real service (reference, budget, audit event)."""
    from tests.factories import company_for_user

    application = ApplicationFactory(program=program, company=company_for_user(applicant), created_by=applicant)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    application_submit(application=application, actor=applicant, declaration_accepted=True)
    return application


def make_submitted(program, **kwargs):
    application = ApplicationFactory(program=program, **kwargs)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    application_submit(application=application, actor=application.created_by, declaration_accepted=True)
    return application
