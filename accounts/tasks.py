from celery import shared_task
from django.core.mail import send_mail


@shared_task(
    name="accounts.send_notification_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_notification_email(notification_id):
    from .models import Notification
    from .notifications import absolute

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return
    body = notification.body + (f"\n\n{absolute(notification.link)}" if notification.link else "")
    send_mail(notification.subject, body, None, [notification.user.email])
