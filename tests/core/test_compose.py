"""compose.yaml and the Dockerfile, checked as files: there is no container engine on the CI machine."""

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ("migrate", "web", "worker", "beat")


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_starts_web_worker_beat_postgresql_and_redis():
    services = compose()["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert "DatabaseScheduler" in " ".join(services["beat"]["command"])
    assert "deploy" not in services["beat"]  # exactly one beat: never replicated


def test_every_app_process_runs_the_production_settings_on_postgresql_and_redis():
    for name in APP_SERVICES:
        environment = compose()["services"][name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        assert (
            environment["DATABASE_URL"].startswith("postgres://")
            and "@db:5432/" in environment["DATABASE_URL"]
        )
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert "ALLOW_FOLDER_BROKER" not in environment
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")  # no default secret


def test_the_web_healthcheck_is_readiness_and_the_app_waits_for_migrations():
    services = compose()["services"]
    assert "/health/ready/" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"


def test_the_image_installs_the_production_lock_with_hashes_only():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in dockerfile
    assert "requirements-dev.lock" not in dockerfile


def test_the_production_lock_has_hashes_and_no_development_tools():
    production = (ROOT / "requirements.lock").read_text().lower()
    development = (ROOT / "requirements-dev.lock").read_text().lower()
    pins = [line for line in production.splitlines() if "==" in line and not line.startswith((" ", "#"))]
    assert pins and all(line.endswith("\\") for line in pins)  # every pin is followed by its hashes
    for tool in ("playwright==", "schemathesis==", "ruff==", "pytest==", "hypothesis==", "factory-boy=="):
        assert f"\n{tool}" not in production and f"\n{tool}" in development, tool
    for pin in pins:
        assert "\n" + pin.split(" ")[0] in development, pin  # the same versions in both
