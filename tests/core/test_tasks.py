import pytest
from django.db import transaction

from accounts.notifications import notify
from core.tasks import enqueue, ping

pytestmark = pytest.mark.django_db


def test_a_task_is_queued_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue(ping)
        assert callbacks == []  # nothing leaves before the commit
    assert len(callbacks) == 1


def test_a_rolled_back_transaction_queues_nothing(applicant, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(users=[applicant], subject="Never sent")
        raise RuntimeError("rollback")
    assert mailoutbox == []
    assert applicant.notifications.count() == 0


def test_a_notification_reaches_the_in_app_list_and_the_mailbox_once_per_person(
    applicant, officer, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[applicant, applicant, officer], subject="Case KIPO-2026-000001 approved", link="/x/")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([applicant.email, officer.email])
    assert "http" in mailoutbox[0].body and "/x/" in mailoutbox[0].body
    client.force_login(applicant)
    page = client.get("/accounts/notifications/")
    assert page.status_code == 200
    assert "Case KIPO-2026-000001 approved" in page.content.decode()
    assert applicant.notifications.filter(read_at__isnull=True).count() == 0
