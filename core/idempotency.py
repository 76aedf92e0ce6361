"""``Idempotency-Key`` for every POST of the API, scoped to the organisation: one mechanism, in front of every view.

A client that retries a POST (a timeout, a lost answer) sends the same key: the first success is answered again,
byte for byte, with the header ``Idempotent-Replayed: true`` (an answer that carries a ``replayed`` field says
``true`` there, and its 201 becomes 200: "it was already done"). Keys belong to the organisation of the API token
(or of the user); another organisation's identical key is another request. The same key with another body, path or
user is refused (409 ``idempotency_mismatch``); while the first request still runs, 409 ``idempotency_in_progress``.
Only successes are kept (24 hours): after a 4xx the client may correct the body and send the same key again.

The middleware authenticates the request with the API's own authenticators to learn the organisation; a request it
cannot authenticate passes through untouched (the view answers 401/403). Bodies above
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (large uploads) are not kept.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
STALE = timedelta(minutes=5)  # a claim older than this whose request never answered (a crash) is taken over
MAX_KEY = 100


def _error(status, code, message, details=None):
    return JsonResponse({"code": code, "message": message, "details": details or {}}, status=status)


def identify(request) -> tuple[str, int] | None:
    """(scope, user id): ``org:<id>`` of the API token's organisation, else of the user's; ``user:<id>`` for a
    user in none. The Django request's own user is left as it was (the view authenticates again, in its order)."""
    authenticators = [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    saved = request.__dict__.get("user")
    try:
        drf_request = Request(request, authenticators=authenticators)
        user, auth = drf_request.user, drf_request.auth
    except APIException:
        return None
    finally:
        if saved is not None:
            request.user = saved
        else:
            request.__dict__.pop("user", None)
    if not user or not user.is_authenticated:
        return None
    organization_id = getattr(auth, "organization_id", None)
    if organization_id is None:
        organization = getattr(user, "organization", None)
        organization_id = organization.pk if organization is not None else None
    scope = f"org:{organization_id}" if organization_id is not None else f"user:{user.pk}"
    return scope, user.pk


def fingerprint_of(request, user_id) -> str | None:
    """A digest of who sent what where: the user, method, path and body (JSON compared by its content)."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None
    body = request.body
    if request.content_type == "application/json":
        try:
            body = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
        except ValueError:
            pass  # the view answers the parse error; the raw bytes name the request
    head = f"{user_id}\n{request.method}\n{request.path}\n".encode()
    return hashlib.sha256(head + body).hexdigest()


def _replay(record):
    body, status = record.body, record.status_code
    data = json.loads(body) if body else None
    if isinstance(data, dict) and "replayed" in data:
        data["replayed"] = True
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        status = 200 if status == 201 else status
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(scope, key, fingerprint):
    """The new claim (an IdempotencyKey row) for a first request, or the answer to give now (replay or 409)."""
    now = timezone.now()
    with transaction.atomic():
        record = IdempotencyKey.objects.select_for_update().filter(scope=scope, key=key).first()
        expired = record is not None and (
            record.created_at < now - TTL or (record.status_code is None and record.created_at < now - STALE)
        )
        if record is not None and not expired:
            if record.fingerprint != fingerprint:
                return _error(
                    409,
                    "idempotency_mismatch",
                    "This idempotency key was used for another request.",
                    {"key": key},
                )
            if record.status_code is None:
                return _error(409, "idempotency_in_progress", "A request with this key is still running.")
            return _replay(record)
        if record is not None:
            record.delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(scope=scope, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return _error(409, "idempotency_in_progress", "A request with this key is still running.")


def _settle(record, response):
    """Keep a JSON success to repeat; forget anything else (the client may correct and retry the key)."""
    content_type = response.get("Content-Type", "")
    if (
        200 <= response.status_code < 300
        and content_type.startswith("application/json")
        and not response.streaming
    ):
        record.status_code, record.body = response.status_code, response.content.decode()
        record.save(update_fields=["status_code", "body"])
    else:
        IdempotencyKey.objects.filter(pk=record.pk).delete()


class IdempotencyMiddleware:
    """See the module. Only POSTs under /api/ that carry the header are concerned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.headers.get(HEADER)
        if request.method != "POST" or raw is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = raw.strip()
        if not key or len(key) > MAX_KEY:
            return _error(
                400,
                "idempotency_key_invalid",
                f"An {HEADER} header has 1 to {MAX_KEY} characters.",
                {HEADER: [f"1 to {MAX_KEY} characters"]},
            )
        who = identify(request)
        fingerprint = fingerprint_of(request, who[1]) if who else None
        if fingerprint is None:
            return self.get_response(request)
        scope = who[0]
        IdempotencyKey.objects.filter(scope=scope, created_at__lt=timezone.now() - TTL).delete()
        claim = _claim(scope, key, fingerprint)
        if not isinstance(claim, IdempotencyKey):
            return claim
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyKey.objects.filter(pk=claim.pk).delete()
            raise
        _settle(claim, response)
        return response
