"""The production settings module, imported in a child process with a given environment."""

import subprocess
import sys

BASE_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x" * 60 + "-Zq9!",
    "ALLOWED_HOSTS": "ipfin.example.org",
    "PATH": "/usr/bin:/bin",
}
PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CELERY_BROKER_URL, settings.METRICS_ENABLED, 'django_prometheus' in settings.INSTALLED_APPS)"
)


def run_settings(**extra):
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**BASE_ENV, **extra},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_redis_and_says_why():
    result = run_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "REDIS_URL" in result.stderr


def test_production_starts_with_redis_and_metrics_stay_off():
    result = run_settings(REDIS_URL="redis://127.0.0.1:6379/10")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://127.0.0.1:6379/10", "False", "False"]


def test_the_folder_broker_needs_the_explicit_setting():
    result = run_settings(ALLOW_FOLDER_BROKER="true", CELERY_BROKER_FOLDER="/tmp/ipfin-prod-settings-broker")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "filesystem://"


def test_metrics_are_switched_on_by_the_environment():
    result = run_settings(REDIS_URL="redis://127.0.0.1:6379/10", METRICS_ENABLED="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:] == ["True", "True"]


def test_sentry_starts_only_with_a_dsn():
    probe = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    env = {**BASE_ENV, "REDIS_URL": "redis://127.0.0.1:6379/10"}
    off = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    on = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "SENTRY_DSN": "http://public@127.0.0.1:9/1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True"), off.stderr + on.stderr
