"""The delivery signature: HMAC-SHA256 over ``<timestamp>.<body>`` with the endpoint's secret.

Headers sent: ``IPFin-Timestamp`` (Unix seconds) and ``IPFin-Signature: v1=<hex>``. A receiver recomputes the HMAC
over the timestamp it received, a dot and the raw body, compares in constant time, and refuses a timestamp older
than a few minutes (a replayed capture). docs/integration.md shows the receiver's side.
"""

import hashlib
import hmac
import secrets
import time

TIMESTAMP_HEADER = "IPFin-Timestamp"
SIGNATURE_HEADER = "IPFin-Signature"
TOLERANCE_SECONDS = 300


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


def signature(*, secret, timestamp, body):
    message = str(int(timestamp)).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, secret, body, now=None):
    timestamp = int(now if now is not None else time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret=secret, timestamp=timestamp, body=body),
    }


def verify(*, secret, timestamp, signature_header, body, now=None, tolerance=TOLERANCE_SECONDS):
    """True when the signature matches and the timestamp is recent (what a receiver does)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=sent, body=body)
    return hmac.compare_digest(expected, signature_header or "")
