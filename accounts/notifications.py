"""Tell people something: an in-app notification plus an email, queued on commit.

The email is composed when it is sent, in the recipient's language: what happened (the subject), the details (the
body, when the caller gave one), what to do next (from the page it links to) and the link, from the address the
site runs at (``SITE_URL``; ``make run`` sets it from HOST and PORT).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.tasks import enqueue

from .models import Notification
from .tasks import send_notification_email

# What the recipient does next, by the page the notification links to (longest prefix first).
NEXT_STEPS = [
    (
        "/valuations/orders/",
        _("Open the order to accept or decline it; once accepted, submit the report there."),
    ),
    ("/casework/?view=overdue", _("Open the work queue's overdue view and act on each case.")),
    ("/casework/cases/", _("Open the case to review what changed and take the next step.")),
    ("/applications/", _("Open your application to see its status and anything you are asked to do.")),
    ("/facilities/", _("Open the facility to see what changed and what is due.")),
    ("/reporting/", _("Open the report to read it; it can also be downloaded as PDF, XLSX or CSV.")),
    ("/funds/", _("Open the fund to see what changed.")),
]


class Later:
    """A text put into words when it is read, in the language active then: ``message`` is marked with
    ``gettext_lazy`` and may hold ``%(name)s`` placeholders; ``params`` may be lazy too (a choice's label).

    ``notify(subject=later(_lazy("Decision on %(ref)s"), ref=...))`` writes each recipient's notice in their
    language, and the notice keeps the msgid and parameters to be read later in the reader's language of the day.
    """

    def __init__(self, message, params):
        self.message, self.params = message, params

    def __str__(self):
        return words_in_language(self.spec(), "")

    def __bool__(self):
        return True

    def spec(self):
        """{"msgid", "params"}: the untranslated text and its parameters (lazy ones as their own msgid)."""
        with translation.override(None):
            params = {
                key: {"msgid": str(value)} if isinstance(value, Promise) else value
                for key, value in self.params.items()
            }
            return {"msgid": str(self.message), "params": params}


def later(message, /, **params):
    return Later(message, params)


def _spec(value):
    if isinstance(value, Later):
        return value.spec()
    if isinstance(value, Promise):
        with translation.override(None):
            return {"msgid": str(value), "params": {}}
    return None


def words_in_language(spec, fallback):
    """A stored text spec in the active language; ``fallback`` when there is none (a plain text)."""
    if not spec:
        return fallback
    params = {
        key: gettext(value["msgid"]) if isinstance(value, dict) else value
        for key, value in (spec.get("params") or {}).items()
    }
    if not params:
        return gettext(spec["msgid"])
    try:
        return gettext(spec["msgid"]) % params
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the original text
        return spec["msgid"] % params


def notify(*, users, subject, body="", link="", email=True):
    """Create one notification per user (duplicates in ``users`` collapse) and queue its email.

    ``subject`` and ``body`` are written in each recipient's language when they are lazy (``gettext_lazy``,
    ``later``); plain strings (data: a question, a comment) are kept as given."""
    created = []
    for user in {u.pk: u for u in users if u is not None}.values():
        with translation.override(language_of(user)):
            texts = {"subject": str(subject)[:200], "body": str(body)}
        specs = {name: spec for name, spec in (("subject", _spec(subject)), ("body", _spec(body))) if spec}
        notification = Notification.objects.create(user=user, link=link, words=specs, **texts)
        created.append(notification)
        if email and user.email and not user.is_integration:  # an organisation's system has no mailbox
            enqueue(send_notification_email, notification.pk)
    return created


def absolute(link):
    return f"{settings.SITE_URL.rstrip('/')}{link}" if link.startswith("/") else link


def language_of(user):
    """The language a user reads: their own setting when the user model has one, else the site's default."""
    chosen = getattr(user, "language", "") or ""
    available = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in available else settings.LANGUAGE_CODE


def next_step(link):
    for prefix, text in NEXT_STEPS:
        if link.startswith(prefix):
            return text
    return _("Open IPFin to see it.") if link else ""


def notification_email(notification):
    """(subject, body) of a notification's email, in the recipient's language; the body is never empty."""
    user = notification.user
    with translation.override(language_of(user)):
        context = {
            "user": user,
            "notification": notification,
            "next_step": next_step(notification.link),
            "url": absolute(notification.link) if notification.link else absolute("/"),
            "notifications_url": absolute(reverse("accounts:notifications")),
        }
        subject = render_to_string("accounts/email/notification_subject.txt", context).strip()
        body = render_to_string("accounts/email/notification_body.txt", context).strip() + "\n"
    return " ".join(subject.split()), body
