"""Tell people something: an in-app notification plus an email, queued on commit."""

from django.conf import settings

from core.tasks import enqueue

from .models import Notification
from .tasks import send_notification_email


def notify(*, users, subject, body="", link="", email=True):
    """Create one notification per user (duplicates in ``users`` collapse) and queue its email."""
    created = []
    for user in {u.pk: u for u in users if u is not None}.values():
        notification = Notification.objects.create(user=user, subject=subject[:200], body=body, link=link)
        created.append(notification)
        if email and user.email and not user.is_integration:  # an organisation's system has no mailbox
            enqueue(send_notification_email, notification.pk)
    return created


def absolute(link):
    return f"{settings.SITE_URL.rstrip('/')}{link}" if link.startswith("/") else link
