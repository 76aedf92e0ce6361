"""The example client of docs/integration.md, run against the live test server: the chain, retries, the feed,
and a webhook it verifies (and a tampered one it refuses)."""

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.facilities import conftest as facility_fixtures
from tests.factories import make_token

bank, banker, guaranteed = facility_fixtures.bank, facility_fixtures.banker, facility_fixtures.guaranteed

spec = importlib.util.spec_from_file_location(
    "ipfin_example_client", Path(django_settings.BASE_DIR) / "scripts" / "ipfin_example_client.py"
)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)


def serve(handler_class):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def webhook_inbox():
    """The bank's receiver, written as docs/integration.md says: verify with the example's verify_webhook."""
    inbox = {"secret": "", "accepted": [], "refused": 0, "raw": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            inbox["raw"].append((dict(self.headers), body))
            if example.verify_webhook(secret=inbox["secret"], headers=dict(self.headers), body=body):
                inbox["accepted"].append(json.loads(body))
                self.send_response(204)
            else:
                inbox["refused"] += 1
                self.send_response(400)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = serve(Handler)
    inbox["url"] = f"http://127.0.0.1:{server.server_port}/ipfin"
    yield inbox
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_the_example_client_drives_the_chain_against_the_live_server(
    live_server, guaranteed, banker, webhook_inbox, settings
):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client = example.Client(live_server.url, make_token(banker), backoff=0)
    endpoint = client.post(
        "webhooks/endpoints/",
        {"url": webhook_inbox["url"], "event_types": ["facility.defaulted", "claim.filed"]},
    )
    webhook_inbox["secret"] = endpoint["secret"]

    [facility] = client.facilities()
    assert facility["id"] == guaranteed.pk and facility["status"] == "approved"
    first = client.disburse(guaranteed.pk, facility["principal"], "2026-01-01", idempotency_key="bank-ref-1")
    retry = client.disburse(guaranteed.pk, facility["principal"], "2026-01-01", idempotency_key="bank-ref-1")
    assert retry["replayed"] is True and retry["id"] == first["id"]
    with pytest.raises(example.ApiError) as conflict:
        client.disburse(guaranteed.pk, facility["principal"], "2026-01-01", idempotency_key="bank-ref-2")
    assert (conflict.value.status, conflict.value.code) == (409, "already_disbursed")

    assert len(client.schedule(guaranteed.pk)["installments"]) == 12
    proposal = client.propose_restructuring(guaranteed.pk, "six months' grace", grace_months=6)
    assert proposal["status"] == "proposed" and proposal["grace_months"] == 6
    assert [v["reason"] for v in client.schedule_versions(guaranteed.pk)] == ["disbursement"]
    with pytest.raises(example.ApiError) as open_already:
        client.propose_restructuring(guaranteed.pk, "again", grace_months=6)
    assert (open_already.value.status, open_already.value.code) == (409, "restructuring_open")
    assert client.default_notice(guaranteed.pk, "D10", "insolvency filed")["status"] == "defaulted"
    assert client.file_claim(guaranteed.pk)["status"] == "filed"

    types = [event["type"] for event in client.events()]
    assert types == ["facility.disbursed", "facility.defaulted", "claim.filed"]
    last = max(event["id"] for event in client.events())
    assert list(client.events(after=last)) == []

    assert [e["type"] for e in webhook_inbox["accepted"]] == ["facility.defaulted", "claim.filed"]
    headers, body = webhook_inbox["raw"][0]
    assert not example.verify_webhook(
        secret=endpoint["secret"], headers=headers, body=body.replace(b"defaulted", b"repaid")
    )
    assert not example.verify_webhook(secret="whsec_wrong", headers=headers, body=body)
    assert webhook_inbox["refused"] == 0

    with pytest.raises(example.ApiError) as missing:
        client.schedule(10**9)
    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_the_example_client_retries_a_503_with_the_same_idempotency_key():
    seen = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.headers.get("Idempotency-Key"))
            self.rfile.read(int(self.headers["Content-Length"]))
            status, body = (
                (503, b'{"code":"unavailable","message":"try again","details":{}}')
                if len(seen) < 3
                else (201, b'{"id":7,"replayed":false}')
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = serve(Flaky)
    try:
        client = example.Client(f"http://127.0.0.1:{server.server_port}", "t", backoff=0)
        assert client.disburse(1, "100", "2026-01-01")["id"] == 7
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == 3 and len(set(seen)) == 1 and seen[0]


def test_a_400_is_not_retried_and_carries_the_error_shape():
    calls = []

    class Refuse(BaseHTTPRequestHandler):
        def do_GET(self):
            calls.append(self.path)
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(
                b'{"code":"invalid","message":"The request is not valid.","details":{"after":["an integer"]}}'
            )

        def log_message(self, *args):
            pass

    server = serve(Refuse)
    try:
        client = example.Client(f"http://127.0.0.1:{server.server_port}", "t", backoff=0)
        with pytest.raises(example.ApiError) as error:
            client.get("events/?after=x")
    finally:
        server.shutdown()
        server.server_close()
    assert len(calls) == 1 and error.value.details == {"after": ["an integer"]}
