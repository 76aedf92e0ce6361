from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.notifications import notify

from .services import overdue_digest_recipients


@shared_task(name="casework.send_overdue_digest")
def send_overdue_digest():
    """Once a day: one email per officer or supervisor listing all their overdue cases."""
    digest = overdue_digest_recipients()
    for user, cases in digest.items():
        lines = [
            f"- {c.reference} · {c.company.legal_name} · {c.get_status_display()} · "
            f"due {c.stage_due_at:%Y-%m-%d}"
            for c in cases
        ]
        notify(
            users=[user],
            subject=_("%(n)s overdue cases") % {"n": len(cases)},
            body="\n".join(lines),
            link=reverse("casework:queue") + "?view=overdue",
        )
    return len(digest)
