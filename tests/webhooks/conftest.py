import hashlib
import hmac
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.roles import OrganizationKind, Role
from facilities import services as facility_services
from tests.facilities.conftest import bank, banker, guaranteed  # noqa: F401
from tests.factories import OrganizationFactory, make_user


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings):
    """The receiver runs on 127.0.0.1 over http: allowed here, refused by default in production."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def other_bank():
    return OrganizationFactory(kind=OrganizationKind.LENDER, name="Bank B")


@pytest.fixture
def other_banker(other_bank):
    return make_user(Role.LENDER_OFFICER, other_bank, email="lender@bank-b.example")


def disburse(facility, actor, key="k1"):
    return facility_services.facility_disburse(
        facility=facility,
        actor=actor,
        amount=facility.principal,
        disbursed_on=date(2026, 1, 1),
        idempotency_key=key,
    )


class Receiver:
    """A bank's webhook receiver on 127.0.0.1: verifies the signature the way docs/integration.md says, answers
    204 to a good delivery and 400 to a bad one, or ``fail_first`` times 500 before that."""

    def __init__(self, secret="", fail_first=0):
        self.secret, self.fail_first = secret, fail_first
        self.received, self.accepted, self.rejected = [], [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = self.headers  # case-insensitive, like any HTTP framework
                receiver.received.append((headers, body))
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                if receiver.verify(headers, body):
                    receiver.accepted.append(json.loads(body))
                    self.send_response(204)
                else:
                    receiver.rejected.append(body)
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/ipfin"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, headers, body):
        timestamp = headers.get("IPFin-Timestamp", "")
        expected = (
            "v1="
            + hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        )
        return hmac.compare_digest(expected, headers.get("IPFin-Signature", ""))


@pytest.fixture
def receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
