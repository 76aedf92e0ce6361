"""The one model of core: the answers the API keeps for idempotent retries (``core.idempotency``)."""

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key in its organisation's key space, the request it named (a fingerprint of the user,
    method, path and body) and, once answered with a success, the answer to repeat. ``status_code`` is empty while
    the first request runs."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_scope")]

    def __str__(self):
        return f"{self.scope} {self.key}"
