from celery import shared_task
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _lazy

from accounts.notifications import later, notify
from applications.models import Status

from .services import overdue_digest_recipients


@shared_task(name="casework.send_overdue_digest")
def send_overdue_digest():
    """Once a day: one email per officer or supervisor listing all their overdue cases."""
    digest = overdue_digest_recipients()
    for user, cases in digest.items():
        lines = [
            (c.reference, c.company, Status(c.status).label, f"{c.stage_due_at:%Y-%m-%d}") for c in cases
        ]
        notify(
            users=[user],
            subject=later(_lazy("%(n)s overdue cases"), n=len(cases)),
            body=_digest_body(lines),
            link=reverse("casework:queue") + "?view=overdue",
        )
    return len(digest)


def _lines(lines):
    """One line per overdue case, its stage in the reader's language (evaluated when the notice is written)."""
    due_word = str(_lazy("due"))  # once, not once a line (thousands at scale)
    return "\n".join(
        f"- {ref} · {company} · {status} · {due_word} {due}" for ref, company, status, due in lines
    )


_digest_body = lazy(_lines, str)
