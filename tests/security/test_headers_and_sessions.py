import io
import subprocess
import sys
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from core.errors import InvalidInput
from core.uploads import CSV, PDF, XLSX, check_upload, safe_display_name
from tests.factories import PDF_BYTES, TEST_PASSWORD

pytestmark = pytest.mark.django_db
PAGES = ["/", "/accounts/login/", "/programs/", "/api/docs/", "/no-such-page/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_type_sends_the_security_headers(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_api_sends_them_too(client, applicant):
    client.force_login(applicant)
    response = client.get("/api/v1/me/")
    assert response["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in response


@override_settings(
    SECURE_HSTS_SECONDS=31536000,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_SSL_REDIRECT=False,
)
def test_with_production_security_settings_hsts_and_secure_cookies_are_sent(client, applicant):
    response = client.post(
        reverse("account_login"), {"login": applicant.email, "password": TEST_PASSWORD}, secure=True
    )
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"] and session_cookie["samesite"] == "Lax"
    assert client.get("/", secure=True)["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_settings_pass_the_deploy_check():
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60 + "-Zq9!",
        "ALLOWED_HOSTS": "ipfin.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/4",  # production shares its cache (throttles); not contacted here
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sessions_time_out_when_idle_and_slide_with_activity(client, applicant, settings):
    from django.contrib.sessions.models import Session
    from freezegun import freeze_time

    with freeze_time("2026-03-02 09:00:00") as clock:
        client.force_login(applicant)
        client.get("/")
        assert 0 < client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE <= 3600
        expires = Session.objects.get().expire_date
        clock.tick(20)
        client.get("/")  # the same minute: the session row is not rewritten
        assert Session.objects.get().expire_date == expires
        clock.tick(settings.SESSION_COOKIE_AGE - 60)
        client.get("/")  # active again before the timeout: it slides
        slid = Session.objects.get().expire_date
        assert slid > expires
        clock.tick(settings.SESSION_COOKIE_AGE + 1)  # idle for longer than the timeout
        assert client.get("/api/v1/me/").status_code == 403


def test_an_old_session_cookie_is_useless_after_logout(client, applicant):
    client.post(reverse("account_login"), {"login": applicant.email, "password": TEST_PASSWORD})
    old = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    client.cookies["sessionid"] = old
    assert client.get("/api/v1/me/").status_code == 403


# --- uploads ----------------------------------------------------------------------------


def _file(name, content):
    return SimpleUploadedFile(name, content)


def test_a_real_pdf_passes_and_the_stored_name_is_generated():
    checked = check_upload(_file("../../x/évil<>.pdf", PDF_BYTES), allowed={PDF})
    assert checked.kind == PDF and checked.storage_name.endswith(".pdf") and "/" not in checked.storage_name
    assert checked.original_name == "évil.pdf"


@pytest.mark.parametrize(
    "content", [b"MZ\x90\x00 executable", b"<html><script>alert(1)</script>", b"\x00\x01\x02"]
)
def test_wrong_content_under_a_pdf_name_is_refused(content):
    with pytest.raises(InvalidInput) as error:
        check_upload(_file("invoice.pdf", content), allowed={PDF})
    assert error.value.code == "file_type"


def test_an_oversized_file_is_refused(settings):
    with pytest.raises(InvalidInput) as error:
        check_upload(_file("big.pdf", PDF_BYTES + b"0" * 5000), allowed={PDF}, max_bytes=4000)
    assert error.value.code == "file_too_large"


def _xlsx(extra=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        if extra:
            archive.writestr(*extra)
    return buffer.getvalue()


def test_a_real_xlsx_passes_and_an_archive_bomb_is_refused():
    assert check_upload(_file("a.xlsx", _xlsx()), allowed={XLSX}).kind == XLSX
    bomb = _xlsx(("xl/sheet.xml", "0" * (50 * 1024 * 1024)))
    with pytest.raises(InvalidInput) as error:
        check_upload(_file("a.xlsx", bomb), allowed={XLSX})
    assert error.value.code == "archive_bomb"


def test_a_zip_that_is_not_a_spreadsheet_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    with pytest.raises(InvalidInput):
        check_upload(_file("a.xlsx", buffer.getvalue()), allowed={XLSX})


def test_csv_must_be_text():
    assert check_upload(_file("r.csv", b"date,amount\n2026-01-01,5\n"), allowed={CSV}).kind == CSV
    with pytest.raises(InvalidInput):
        check_upload(_file("r.csv", b"\x00\x01binary"), allowed={CSV})


def test_display_names_lose_their_paths():
    assert safe_display_name("C:\\Windows\\system32\\a.pdf") == "a.pdf"
    assert safe_display_name("../../") == "upload"


# --- open redirects ---------------------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/\t/evil.example/",
    "javascript:alert(1)",
    "http:/evil.example",
    "  //evil.example",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_a_posted_next_never_leaves_the_site_from_the_queue(client, officer, target):
    client.force_login(officer)
    response = client.post(reverse("casework:bulk_assign"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:queue")


def test_a_posted_next_on_the_site_is_followed(client, officer):
    client.force_login(officer)
    response = client.post(reverse("casework:bulk_assign"), {"next": "/casework/?status=submitted&page=2"})
    assert response["Location"] == "/casework/?status=submitted&page=2"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_no_next_leaves_the_site_from_the_language_switch_the_sign_in_or_the_admin(client, applicant, target):
    switch = client.post(reverse("set_language"), {"language": "ko", "next": target})
    assert switch["Location"] == "/"
    sign_in = client.post(
        f"{reverse('account_login')}?next={target}", {"login": applicant.email, "password": TEST_PASSWORD}
    )
    assert sign_in.status_code == 302 and "evil" not in sign_in["Location"]
    client.logout()
    admin = client.get("/admin/login/", {"next": target})
    assert "evil" not in admin["Location"].split("?")[0] and "evil" not in admin["Location"]


def test_the_mfa_redirect_keeps_a_hostile_path_on_the_site(client):
    from tests.factories import make_user

    officer = make_user("case_officer", with_totp=False)
    client.force_login(officer)
    response = client.get("//evil.example/")
    location = response["Location"]
    assert location.startswith(reverse("mfa_activate_totp") + "?next=")
    assert "//evil" not in location  # encoded: %2F%2Fevil…, and allauth follows only same-site paths


# --- no caching of private answers -----------------------------------------------------------------------------


def test_api_answers_are_not_stored_by_any_cache(client, applicant):
    client.force_login(applicant)
    assert "no-store" in client.get("/api/v1/me/")["Cache-Control"]
    client.logout()
    assert "no-store" in client.get("/api/v1/me/")["Cache-Control"]  # the 403 too


def test_pages_for_a_signed_in_user_are_not_stored_and_public_pages_keep_their_headers(client, applicant):
    assert "no-store" not in client.get("/programs/").get("Cache-Control", "")
    client.force_login(applicant)
    assert "no-store" in client.get("/")["Cache-Control"]


def test_a_download_is_not_stored(rf):
    from django.http import HttpResponse

    from core.middleware import NoStoreMiddleware

    def attachment(request):
        response = HttpResponse(b"a,b\n", content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="report.csv"'
        return response

    request = rf.get("/reporting/1/export.csv")
    response = NoStoreMiddleware(attachment)(request)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# --- absolute session lifetime ------------------------------------------------------------------------------------


def test_a_busy_session_still_ends_at_the_absolute_lifetime(client, applicant, settings):
    from freezegun import freeze_time

    settings.SESSION_ABSOLUTE_SECONDS = 3 * 3600
    with freeze_time("2026-03-02 09:00:00") as clock:
        client.post(reverse("account_login"), {"login": applicant.email, "password": TEST_PASSWORD})
        for _ in range(11):  # active every quarter of an hour: never idle
            clock.tick(15 * 60)
            assert client.get("/api/v1/me/").status_code == 200
        clock.tick(16 * 60)  # 3 h 1 min after the sign-in
        assert client.get("/api/v1/me/").status_code == 403
        assert "_auth_user_id" not in client.session


def test_a_session_from_before_the_rule_starts_its_lifetime_at_its_next_request(client, applicant, settings):
    from freezegun import freeze_time

    from core.middleware import SESSION_STARTED_KEY

    settings.SESSION_ABSOLUTE_SECONDS = 3600
    with freeze_time("2026-03-02 09:00:00") as clock:
        client.force_login(applicant)
        session = client.session
        session.pop(SESSION_STARTED_KEY)
        session.save()
        assert client.get("/api/v1/me/").status_code == 200
        clock.tick(25 * 60)
        assert client.get("/api/v1/me/").status_code == 200
        clock.tick(25 * 60)
        assert client.get("/api/v1/me/").status_code == 200
        clock.tick(11 * 60)
        assert client.get("/api/v1/me/").status_code == 403
