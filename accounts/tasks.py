from celery import shared_task
from django.core.mail import send_mail


@shared_task(
    name="accounts.send_notification_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_notification_email(notification_id):
    from .models import Notification
    from .notifications import notification_email

    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:
        return
    subject, body = notification_email(notification)
    send_mail(subject, body, None, [notification.user.email])
