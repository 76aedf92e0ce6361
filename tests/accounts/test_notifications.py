import pytest
from django.utils import translation

from accounts.notifications import notification_email, notify

pytestmark = pytest.mark.django_db


def _email_for(user, mailoutbox, capture, **kwargs):
    with capture(execute=True):
        notify(users=[user], **kwargs)
    return mailoutbox[-1]


def test_a_notification_without_a_body_still_says_what_happened_and_what_to_do(
    officer, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://10.0.0.5:8101"
    mail = _email_for(
        officer,
        mailoutbox,
        django_capture_on_commit_callbacks,
        subject="Valuation report for KIPO-2026-000001",
        link="/casework/cases/7/",
    )
    assert mail.subject == "Valuation report for KIPO-2026-000001"
    assert "Valuation report for KIPO-2026-000001" in mail.body
    assert "Open the case to review what changed and take the next step." in mail.body
    assert "http://10.0.0.5:8101/casework/cases/7/" in mail.body
    assert ":8000" not in mail.body


@pytest.mark.parametrize(
    ("link", "step"),
    [
        ("/valuations/orders/3/", "accept or decline"),
        ("/reporting/9/", "Open the report"),
        ("/applications/4/", "Open your application"),
        ("/casework/?view=overdue", "overdue view"),
    ],
)
def test_each_kind_of_page_gets_its_own_next_step(applicant, link, step):
    notification = notify(users=[applicant], subject="Something happened", link=link, email=False)[0]
    _subject, body = notification_email(notification)
    assert step in body and body.strip()


def test_the_email_is_written_in_the_recipients_language_not_the_senders(applicant, settings):
    settings.LANGUAGE_CODE = "ko"
    with translation.override("en"):  # the officer who triggered it reads English
        notification = notify(
            users=[applicant], subject="KIPO-2026-000001", link="/applications/4/", email=False
        )[0]
        _subject, body = notification_email(notification)
    with translation.override("ko"):
        from django.utils.translation import gettext

        korean_footer = gettext("Government IP-finance programs")
    assert korean_footer != "Government IP-finance programs", "the catalogue has the footer"
    assert korean_footer in body


def test_the_verification_email_carries_the_products_name_not_the_host(client, mailoutbox):
    from django.urls import reverse

    client.post(
        reverse("account_signup"),
        {
            "email": "founder@newco.example",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    mail = mailoutbox[0]
    assert mail.subject.startswith("[IPFin] ")
    assert "Hello from IPFin" in mail.body and "Hello from testserver" not in mail.body


def test_one_send_writes_korean_to_a_korean_reader_and_english_to_an_english_one(
    applicant, officer, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from django.utils.translation import gettext_lazy

    from accounts.notifications import later

    settings.SITE_URL = "http://ipfin.example:8101"
    applicant.language, officer.language = "ko", "en"
    applicant.save(update_fields=["language"])
    officer.save(update_fields=["language"])
    with translation.override("ko"):
        korean_subject = gettext_lazy("Application %(ref)s received") % {"ref": "KIPO-2026-000009"}
        korean_footer = str(gettext_lazy("Government IP-finance programs"))
    assert korean_subject != "Application KIPO-2026-000009 received", "the catalogue has the subject"
    with (
        translation.override("en"),
        django_capture_on_commit_callbacks(execute=True),
    ):  # the sender reads English
        notify(
            users=[applicant, officer],
            subject=later(gettext_lazy("Application %(ref)s received"), ref="KIPO-2026-000009"),
            link="/applications/9/",
        )
    by_recipient = {mail.to[0]: mail for mail in mailoutbox}
    korean, english = by_recipient[applicant.email], by_recipient[officer.email]
    assert korean.subject == korean_subject and korean_footer in korean.body
    assert english.subject == "Application KIPO-2026-000009 received"
    assert "Government IP-finance programs" in english.body and korean_footer not in english.body
    assert "http://ipfin.example:8101/applications/9/" in korean.body and ":8000" not in korean.body
    # the in-app notice too is in each reader's language
    assert applicant.notifications.get().subject == korean_subject


def test_switching_the_language_is_remembered_for_the_emails(client, applicant):
    client.force_login(applicant)
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    applicant.refresh_from_db()
    assert applicant.language == "ko"
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not a language of the site: kept
    applicant.refresh_from_db()
    assert applicant.language == "ko"


def test_signing_up_in_korean_sets_the_language(client):
    from django.urls import reverse

    from accounts.models import User

    client.post(
        reverse("account_signup"),
        {
            "email": "founder@newco.example",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert User.objects.get(email="founder@newco.example").language == "ko"


def test_a_notice_reads_in_the_language_of_whoever_opens_it_later(client, applicant):
    from django.utils.translation import gettext_lazy

    from accounts.notifications import later

    with translation.override("en"):
        notify(
            users=[applicant],
            subject=later(gettext_lazy("Application %(ref)s received"), ref="KIPO-2026-000009"),
            email=False,
        )
    with translation.override("ko"):
        korean = str(gettext_lazy("Application %(ref)s received")) % {"ref": "KIPO-2026-000009"}
    client.force_login(applicant)
    english_page = client.get("/accounts/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    korean_page = client.get("/accounts/notifications/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "Application KIPO-2026-000009 received" in english_page
    assert korean in korean_page and "Application KIPO-2026-000009 received" not in korean_page
