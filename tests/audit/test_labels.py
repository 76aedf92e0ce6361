import pytest
from django.urls import reverse
from django.utils import translation

from applications.views import STEP_LABELS
from audit.labels import event_label, state_label
from tests.factories import ApplicationFactory, IPAssetFactory, company_for_user

pytestmark = pytest.mark.django_db


def test_a_known_action_reads_as_words_and_an_unknown_one_as_its_last_part():
    assert str(event_label("application.draft_created")) == "Application started"
    assert event_label("recovery.something_new") == "Something new"


def test_a_state_reads_as_its_models_label_and_no_state_as_a_dash():
    assert str(state_label("info_requested")) == "Information requested"
    assert state_label("") == "—"


def test_the_timeline_shows_what_happened_in_words_and_keeps_the_code_for_machines(client, applicant):
    application = ApplicationFactory(company=company_for_user(applicant), created_by=applicant)
    application.ip_assets.set([IPAssetFactory(company=application.company)])
    client.force_login(applicant)
    client.post(reverse("applications:wizard", args=[application.pk, "declaration"]), {"declaration": "on"})
    body = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "Application submitted" in body and "Draft → Submitted" in body
    assert 'data-action="application.submit"' in body
    assert ">application.submit<" not in body and "draft → submitted" not in body


def test_the_wizard_steps_are_named_in_the_readers_language(client, applicant):
    application = ApplicationFactory(company=company_for_user(applicant), created_by=applicant)
    client.force_login(applicant)
    client.cookies["django_language"] = "ko"
    body = client.get(reverse("applications:wizard", args=[application.pk, "amount"])).content.decode()
    with translation.override("ko"):
        korean = str(STEP_LABELS["documents"])
    assert korean != "Documents", "the catalogue translates the step"
    assert korean in body
