"""Settings shared by every environment. Everything that differs between
machines comes from environment variables (see README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# IPFin's own apps, lowest layer first (the order in which demo data is seeded). config/urls.py mounts each app's
# urls.py under /<app>/ and api_urls.py under /api/v1/.
PROJECT_APPS = [
    "core",
    "accounts",
    "audit",
    "programs",
    "applications",
    "casework",
    "valuations",
    "facilities",
    "recoveries",
    "funds",
    "reporting",
    "dashboards",
    "webhooks",
]

INSTALLED_APPS = [
    "accounts.admin_config.IpfinAdminConfig",  # the admin signs in through allauth, with the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "django_htmx",
    "djmoney",
    "csp",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SlidingSessionMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.RequestContextMiddleware",
    "accounts.middleware.StaffMfaRequiredMiddleware",
    # Idempotency-Key on every POST of the API, per organisation (core/idempotency.py)
    "core.idempotency.IdempotencyMiddleware",
    # Axes last: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# Form widgets render through Jinja2 where Django ships a Jinja2 template (the same markup, several times faster: a page
# of filters renders hundreds of <option>s); the admin's own widget templates through the Django engine (core/forms_renderer).
FORM_RENDERER = "core.forms_renderer.JinjaFirstRenderer"

# --- Database -------------------------------------------------------------
# SQLite under var/ by default; PostgreSQL (or anything Django speaks) when
# DATABASE_URL is set.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ipfin.sqlite3'}")}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share one file: WAL lets readers run beside the
    # writer, IMMEDIATE transactions take the write lock up front instead of
    # failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Form selects and .iterator() read their rows in one round trip instead of DECLARE/FETCH/CLOSE of a server-side
    # cursor; nothing here streams large results (reports aggregate in the database), and it works behind PgBouncer.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # several installations (or benchmark databases) on one Redis keep their keys apart
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=""),
        }
    }
    # Sessions stay in the database (one query a page, about 0.5 ms): cached_db was tried and left, because a
    # session row written inside a transaction that is then rolled back stays in the cache, and the next save of
    # that session fails (Django's UpdateError); the write matrix, which rolls back every probe, found it.
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Emails carry the product's name, not the host they were sent from ("[127.0.0.1:8101] ...").
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IPFin] "
ACCOUNT_RATE_LIMITS = {"login_failed": None}  # django-axes does the lock-out
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "IPFin"
# The code step counts its failures with django-axes, like passwords (accounts/mfa.py).
MFA_FORMS = {
    "authenticate": "accounts.mfa.LimitedAuthenticateForm",
    "reauthenticate": "accounts.mfa.LimitedReauthenticateForm",
}

# django-axes: lock the (username, IP) pair, so that someone guessing from
# elsewhere cannot lock a real user out of their own account.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_IP_HEADERS", default=["REMOTE_ADDR"])
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed password or code leaves a row (admin: Access failures)

# Sessions: idle timeout (every request slides the window), and an absolute lifetime from the sign-in however
# active the session is (core.middleware.SlidingSessionMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_SAVE_EVERY_REQUEST = False  # core.middleware.SlidingSessionMiddleware slides the idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Uploads ----------------------------------------------------------------
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
# What one application may hold in documents, all uploads together (applications.services.document_upload).
DOCUMENT_QUOTA_BYTES = env.int("DOCUMENT_QUOTA_BYTES", default=100 * 1024 * 1024)
DOCUMENT_QUOTA_COUNT = env.int("DOCUMENT_QUOTA_COUNT", default=30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Documents live outside the web root and are served only through views that
# check access.
MEDIA_ROOT = Path(env("DOCUMENT_ROOT", default=str(VAR_DIR / "documents")))
MEDIA_URL = "/_never_served_directly/"

# --- I18n -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Static -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="IPFin <no-reply@ipfin.example>")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- Celery -----------------------------------------------------------------
# Redis when REDIS_URL or CELERY_BROKER_URL is set. Otherwise kombu's
# filesystem transport: a directory under var/ that web, worker and beat
# share, so `make run` needs no broker server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_FOLDER = Path(env("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("out", "processed", "control"):
        (CELERY_BROKER_FOLDER / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "out"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "out"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        # the broadcast exchanges' table (kombu writes it to ./control by default: the checkout's root)
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = 3 * 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
HEALTH_WORKER_TIMEOUT = env.float("HEALTH_WORKER_TIMEOUT", default=5.0)

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # The API reads JSON, through DRF's parser with a nesting limit (core.parsers). The actions that take a file
    # name their multipart parsers themselves. (Form-encoded bodies read an empty optional field as "absent", which
    # the schema cannot say: a body the schema refuses was accepted.)
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Per signed-in user and per anonymous client address, counted in the cache (Redis in production). The client
    # address is REMOTE_ADDR unless API_NUM_PROXIES trusted proxies add X-Forwarded-For.
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.UserRateThrottle", "core.throttles.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="1200/min"),
        "anon": env("API_THROTTLE_ANON", default="60/min"),
    },
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
# API tokens (django-rest-knox, accounts.models.ApiToken): only a SHA-512 digest is stored; every token expires.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "TOKEN_PREFIX": "ipfin_",  # recognisable by secret scanners
    "AUTO_REFRESH": False,  # a leaked token must expire, however busy
    "AUTH_HEADER_PREFIX": "Token",
}
# knox's own AuthToken is swapped for accounts.ApiToken: its migrations would only make an unused table.
MIGRATION_MODULES = {"knox": None}
SPECTACULAR_SETTINGS = {
    "TITLE": "IPFin API",
    "DESCRIPTION": "Government IP-finance programs: applications, valuations, facilities, recoveries, funds.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's 4xx answers in the error shape (core.schema), after the default enum hook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "applications.models.Status",
        "IPAssetStatusEnum": "applications.models.IPAssetStatus",
        "WebhookEventTypeEnum": "webhooks.models.EventType",
        "WebhookDeliveryStatusEnum": "webhooks.models.DeliveryStatus",
    },
}

# --- Security headers ---------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Money -------------------------------------------------------------------
CURRENCIES = ("KRW", "CNY", "GBP", "USD", "EUR", "JPY")
DEFAULT_CURRENCY = "KRW"
REPORTING_CURRENCY = env("REPORTING_CURRENCY", default="KRW")
# The worker that makes a report renders its PDF and XLSX in every language once and stores them (reporting.services).
REPORT_FILES_RENDER = env.bool("REPORT_FILES_RENDER", default=True)
# Fund utilisation flags (see funds/metrics.py FlagRules) and the comparison line with ordinary venture capital.
FUND_FLAG_RULES = {
    "behind_pace_margin": env("FUND_BEHIND_PACE_MARGIN", default="0.15"),
    "months_without_investment": env.int("FUND_MONTHS_WITHOUT_INVESTMENT", default=6),
    "tvpi_loss_threshold": env("FUND_TVPI_LOSS_THRESHOLD", default="0.84"),
    "reconciliation_tolerance": env("FUND_RECONCILIATION_TOLERANCE", default="1"),
}
# The agency's guarantee fund, in the reporting currency, for the guarantee leverage (outstanding ÷ fund).
AGENCY_GUARANTEE_FUND = env("AGENCY_GUARANTEE_FUND", default="")
VC_UNDEPLOYED_SHARE = env("VC_UNDEPLOYED_SHARE", default="0.17")  # ordinary VC, 2023
BASE_CURRENCY = REPORTING_CURRENCY

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
AXES_VERBOSE = False
