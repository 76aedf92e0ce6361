"""Production: every secret from the environment, HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, INSTALLED_APPS, MIDDLEWARE, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# --- The broker -----------------------------------------------------------------
# Without REDIS_URL (or CELERY_BROKER_URL) the base settings fall back to kombu's folder broker, which only works
# when web, worker and beat share one disk: on several machines tasks would silently never run. Production refuses
# to start instead, unless the operator says the folder broker is meant (ALLOW_FOLDER_BROKER=true: one machine).
ALLOW_FOLDER_BROKER = env.bool("ALLOW_FOLDER_BROKER", default=False)
if CELERY_BROKER_URL.startswith("filesystem://") and not ALLOW_FOLDER_BROKER:
    raise ImproperlyConfigured(
        "Production needs REDIS_URL (or CELERY_BROKER_URL): without it tasks would go to a folder on this machine. "
        "Set ALLOW_FOLDER_BROKER=true only for a single-machine installation."
    )

# --- Error tracking and metrics: on only when the operator provides them ------------
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        # Case files hold personal and commercial data: no request bodies, cookies or user e-mails leave the site.
        send_default_pii=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )

# Prometheus metrics at /health/metrics/ (requests, latencies, database and cache calls), behind METRICS_TOKEN when
# set. With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR to an empty directory shared by them.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=False)
METRICS_TOKEN = env("METRICS_TOKEN", default="")
if METRICS_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "django_prometheus"]
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

# Webhook endpoints: https on public addresses only, unless the operator allows otherwise (webhooks/targets.py).
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
