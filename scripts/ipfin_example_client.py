#!/usr/bin/env python3
"""A small IPFin API client for a bank's developers: Python standard library only (docs/integration.md).

    python3 scripts/ipfin_example_client.py --base-url https://ipfin.agency.example --token "$IPFIN_TOKEN" facilities
    python3 scripts/ipfin_example_client.py ... schedule 42
    python3 scripts/ipfin_example_client.py ... events            # prints new events, remembers the cursor

What it shows: the token header, errors as ``{code, message, details}``, retries that are safe because the same
``Idempotency-Key`` is sent again, cursor polling of the event feed, and checking a webhook's signature.
"""

import argparse
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

RETRY_STATUSES = {429, 502, 503, 504}


class ApiError(Exception):
    """An answer other than 2xx, with the API's error shape."""

    def __init__(self, status, body):
        self.status = status
        self.code = body.get("code", "error") if isinstance(body, dict) else "error"
        self.message = body.get("message", "") if isinstance(body, dict) else str(body)
        self.details = body.get("details", {}) if isinstance(body, dict) else {}
        super().__init__(f"{status} {self.code}: {self.message}")


class Client:
    def __init__(self, base_url, token, *, retries=3, backoff=0.5, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.token, self.retries, self.backoff, self.timeout = token, retries, backoff, timeout

    def request(self, method, path, body=None, *, idempotency_key=None):
        """Send one request; retry network failures and 429/502/503/504 with the same Idempotency-Key."""
        url = path if path.startswith("http") else f"{self.base_url}/api/v1/{path.lstrip('/')}"
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return response.status, (json.loads(raw) if raw else None)
            except urllib.error.HTTPError as exc:
                raw = exc.read()
                try:
                    answer = json.loads(raw)
                except ValueError:
                    answer = {"code": "error", "message": raw.decode(errors="replace")[:200]}
                if exc.code not in RETRY_STATUSES or attempt == self.retries:
                    raise ApiError(exc.code, answer) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if attempt == self.retries:
                    raise
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    def get(self, path):
        return self.request("GET", path)[1]

    def post(self, path, body=None, *, idempotency_key=None):
        """Every POST carries an Idempotency-Key (a new one unless you pass yours): a retry is answered once."""
        return self.request("POST", path, body, idempotency_key=idempotency_key or str(uuid.uuid4()))[1]

    # --- the chain -----------------------------------------------------------------------------------------

    def facilities(self):
        return self.get("facilities/")["results"]

    def schedule(self, facility_id):
        return self.get(f"facilities/{facility_id}/schedule/")

    def disburse(self, facility_id, amount, disbursed_on, *, idempotency_key=None):
        """Record the disbursement; keep the key with your own record so that a retry after a crash is safe."""
        key = idempotency_key or str(uuid.uuid4())
        return self.post(
            f"facilities/{facility_id}/disbursement/",
            {"amount": str(amount), "disbursed_on": disbursed_on},
            idempotency_key=key,
        )

    def draw_tranche(self, facility_id, amount, disbursed_on, milestone="", *, idempotency_key=None):
        """Pay out a tranche (up to the principal not yet drawn); the schedule follows."""
        body = {"amount": str(amount), "disbursed_on": disbursed_on, "milestone": milestone}
        return self.post(f"facilities/{facility_id}/tranches/", body, idempotency_key=idempotency_key)

    def propose_restructuring(
        self, facility_id, reason, *, grace_months=0, extension_months=0, new_rate=None
    ):
        """The bank proposes new terms; the program's agency confirms them and the schedule is rebuilt."""
        body = {"grace_months": grace_months, "extension_months": extension_months, "reason": reason}
        if new_rate is not None:
            body["new_rate"] = str(new_rate)
        return self.post(f"facilities/{facility_id}/restructuring/", body)

    def schedule_versions(self, facility_id):
        return self.get(f"facilities/{facility_id}/schedule-versions/")

    def default_notice(self, facility_id, reason_code, comment=""):
        return self.post(
            f"facilities/{facility_id}/default-notice/", {"reason_code": reason_code, "comment": comment}
        )

    def file_claim(self, facility_id):
        items = self.get("claims/checklist/")["items"]
        return self.post("claims/", {"facility": facility_id, "checklist": {item: True for item in items}})

    def events(self, after=0):
        """Every event with an id above ``after`` (the last one you processed), oldest first, page by page."""
        page = self.get(f"events/?after={int(after)}")
        while True:
            yield from page["results"]
            if not page["next"]:
                return
            page = self.get(page["next"])


def verify_webhook(*, secret, headers, body, tolerance=300, now=None):
    """True when ``body`` (the raw bytes) was signed by IPFin with ``secret`` within ``tolerance`` seconds."""
    lowered = {name.lower(): value for name, value in headers.items()}
    timestamp, signature = lowered.get("ipfin-timestamp", ""), lowered.get("ipfin-signature", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--cursor-file", default=".ipfin-cursor", help="where `events` keeps its place")
    parser.add_argument("command", choices=["facilities", "schedule", "events"])
    parser.add_argument("facility", nargs="?", type=int)
    args = parser.parse_args(argv)
    client = Client(args.base_url, args.token)
    try:
        if args.command == "facilities":
            for facility in client.facilities():
                print(facility["id"], facility["reference"], facility["status"], facility["principal"])
        elif args.command == "schedule":
            for row in client.schedule(args.facility)["installments"]:
                print(row["number"], row["due_date"], row["outstanding"], row["status"])
        else:
            cursor_file = Path(args.cursor_file)
            last = int(cursor_file.read_text()) if cursor_file.exists() else 0
            for event in client.events(after=last):
                print(event["id"], event["type"], json.dumps(event["payload"]["object"]))
                cursor_file.write_text(str(event["id"]))  # after each one: a crash repeats nothing
    except ApiError as error:
        print(f"error {error.status} {error.code}: {error.message} {error.details or ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
