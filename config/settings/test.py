import os

# Tests never share the embedded broker's folder with a running `make run`.
os.environ.setdefault("CELERY_BROKER_FOLDER", "var/test-broker")

from .base import *  # noqa: E402, F403
from .base import BASE_DIR, env  # noqa: E402

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-documents"
# Unit tests run tasks in-process; tests marked `redis` start a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
HEALTH_WORKER_TIMEOUT = 2.0
AXES_FAILURE_LIMIT = 3
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test run starts with an empty cache: a shared Redis cache would carry rate limits and used TOTP codes
# from one run (or one test) into the next. Redis is still the Celery broker when REDIS_URL is set.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ACCOUNT_RATE_LIMITS = False
# Throttling is on (as everywhere) but far above what a test sends; tests of the throttle set their own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"user": "100000/min", "anon": "100000/min"},
}
# SQLite has no TRUNCATE: a test-database flush empties the audit log with DELETE, which its append-only trigger
# refuses unless this is on (audit/migrations/0003_sqlite_append_only.py). UPDATE stays refused.
AUDIT_SQLITE_ALLOW_DELETE = True
# audit_record refuses an action name not registered in audit.actions.Action (every test of a service checks it).
AUDIT_REFUSE_UNREGISTERED_ACTIONS = True
# A report's PDF and XLSX in every language take seconds to render: tests that need them turn this on.
REPORT_FILES_RENDER = False
