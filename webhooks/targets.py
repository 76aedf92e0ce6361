"""Where deliveries may go, and the one HTTP call.

An endpoint's URL is chosen by a client organisation and called by our workers, inside the agency's network: it
must not become a way to reach internal services (the database, Redis, a cloud metadata address). So production
accepts only https URLs whose host resolves to public addresses, checked when the endpoint is registered and again
before every attempt (the name may be re-pointed), and redirects are never followed. Development and the tests may
allow http and private addresses (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE_TARGETS; both follow DEBUG by default).
"""

import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidInput

TIMEOUT_SECONDS = 10


def _allowed(name):
    return getattr(settings, name, settings.DEBUG)


def _addresses(host, port):
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def refusal(url):
    """Why ``url`` may not receive deliveries, or "" when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("The URL must be an https address.")
    if parts.scheme == "http" and not _allowed("WEBHOOK_ALLOW_HTTP"):
        return _("The URL must be an https address.")
    if parts.username or parts.password:
        return _("The URL must not carry a user name or password.")
    if _allowed("WEBHOOK_ALLOW_PRIVATE_TARGETS"):
        return ""
    addresses = _addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        return _("The host name does not resolve.")
    if any(not address.is_global for address in addresses):
        return _("The URL points into a private network.")
    return ""


def check_url(url):
    url = (url or "").strip()
    reason = refusal(url) if len(url) <= 500 else _("The URL is too long (at most 500 characters).")
    if reason:
        raise InvalidInput(reason, code="invalid_url", details={"url": [reason]})
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer like any other non-2xx: the delivery failed


_opener = urllib.request.build_opener(_NoRedirect)


def post(url, *, body, headers):
    """POST; returns (HTTP status or None, error text). Never raises."""
    reason = refusal(url)
    if reason:
        return None, f"refused: {reason}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, exc.__class__.__name__ + (f": {exc.reason}" if hasattr(exc, "reason") else "")
