"""Hotline settings. Every value that differs between installs comes from the environment;
README.md lists each variable. Without DEBUG=1 this is production and refuses to start without
a real secret key and host names."""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hotline.lib.env import envbool, envint, envlist, envstr

# Lets the code write `admin.ModelAdmin[Contact]` or `forms.ModelForm[Case]` (type parameters
# for mypy) on Django classes that are not subscriptable by themselves.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("HOTLINE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "development-only-secret-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("development-only"):
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must hold a random value of at least 50 characters "
            "in production. Set DEBUG=1 for a development install."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must name this install's host names in production."
        )

# The audit chain's key (HMAC-SHA-256 over each event): kept outside the database, so that
# someone who can write to the database cannot recompute the chain after an edit.
AUDIT_KEY = envstr("AUDIT_KEY")
if DEBUG:
    AUDIT_KEY = AUDIT_KEY or "development-only-audit-key-never-use-in-production"
elif len(AUDIT_KEY) < 32 or AUDIT_KEY.startswith("development-only"):
    raise ImproperlyConfigured(
        "AUDIT_KEY (or AUDIT_KEY_FILE) must hold a random value of at least 32 characters in "
        "production, kept apart from the database and its backups."
    )
# The key of the hashes that find a person again by phone number or email address
# (hotline/lib/lookup.py): kept apart from the database, like AUDIT_KEY, and never changed
# without recomputing every hash (`manage.py migrate` fills them for existing rows).
LOOKUP_HASH_KEY = envstr("LOOKUP_HASH_KEY")
if DEBUG:
    LOOKUP_HASH_KEY = LOOKUP_HASH_KEY or "development-only-lookup-key-never-use-in-production"
elif len(LOOKUP_HASH_KEY) < 32 or LOOKUP_HASH_KEY.startswith("development-only"):
    raise ImproperlyConfigured(
        "LOOKUP_HASH_KEY (or LOOKUP_HASH_KEY_FILE) must hold a random value of at least 32 "
        "characters in production, kept apart from the database and its backups."
    )
# Phone numbers written without a country code are of this region (ISO 3166 code).
HOTLINE_PHONE_REGION = envstr("HOTLINE_PHONE_REGION", "US")
# Signed checkpoints of the audit chain (count, head hash, time), appended by
# `manage.py audit_checkpoint` and by the worker every AUDIT_CHECKPOINT_MINUTES: keep this
# directory off the database's machine (docs/audit.md).
AUDIT_CHECKPOINT_DIR = Path(envstr("AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
AUDIT_CHECKPOINT_MINUTES = envint("AUDIT_CHECKPOINT_MINUTES", 60)

INSTALLED_APPS = [
    "hotline.apps.HotlineAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "hotline.accounts",
    "hotline.audit",
    "hotline.site",
    "hotline.directory",
    "hotline.library",
    "hotline.hours",
    "hotline.contacts",
    "hotline.cases",
    "hotline.channels",
]

MIDDLEWARE = [
    "hotline.lib.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "hotline.lib.middleware.SecurityHeadersMiddleware",
    "hotline.lib.middleware.SharedValuesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "hotline.accounts.middleware.PublicFormTokenMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hotline.accounts.middleware.SessionLimitsMiddleware",
    "hotline.accounts.middleware.StaffGateMiddleware",
    "hotline.accounts.middleware.InertTextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Static files from the same server, compressed and cached by name (runserver does it in
    # development).
    MIDDLEWARE.insert(3, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hotline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hotline.accounts.context_processors.public_form_token",
            ],
        },
    },
]

# --- Storage ----------------------------------------------------------------------------------
# SQLite is the embedded default, with Django's own backend. Its options are chosen for
# durability: WAL with synchronous=FULL loses no committed transaction on power loss, and
# IMMEDIATE transactions take the write lock up front so that concurrent writers wait (up to the
# busy timeout) instead of failing mid-way (docs/decisions/0006-stock-sqlite-backend.md).
SQLITE_PATH = VAR_DIR / "hotline.sqlite3"
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            # Kept open between requests, as for PostgreSQL: opening one costs more than a query.
            "CONN_MAX_AGE": 60,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                ),
            },
            # Tests use a file too: WAL, the worker and the live server need one.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache in the database: login throttling must count across every web process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hotline_cache",
    }
}

TASKS = {
    "default": {
        "BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Time-driven work: `manage.py worker` runs these every SWEEP_SECONDS (hotline/lib/sweep.py), so
# a deadline is marked missed at most SWEEP_SECONDS (plus the sweep's own time) after it passed.
SWEEP_SECONDS = envint("SWEEP_SECONDS", 5)
SWEEP_JOBS = [
    "hotline.contacts.alerts.mark_breaches",
    "hotline.contacts.alerts.warn_at_risk",
    "hotline.contacts.alerts.realert_crisis",
    "hotline.directory.verification.mark_due",
    "hotline.audit.checkpoints.write_when_due",
    # Texts not sent yet: retries that are due, and those whose worker died mid-send.
    "hotline.channels.outbound.send_due",
    # Email channels' mailboxes, each read every EMAIL_POLL_SECONDS.
    "hotline.channels.mail_inbound.poll_due",
]
EMAIL_POLL_SECONDS = envint("EMAIL_POLL_SECONDS", 60)
# An email over this size is taken as its header only, with a note (the mailbox keeps it).
EMAIL_MAX_BYTES = envint("EMAIL_MAX_BYTES", 25 * 1024 * 1024)
# Email attachments: kept under generated names in this directory (never the sender's name),
# each at most EMAIL_ATTACHMENT_MAX_BYTES, a message's together at most EMAIL_ATTACHMENTS_MAX_BYTES.
EMAIL_ATTACHMENT_DIR = Path(envstr("EMAIL_ATTACHMENT_DIR", str(VAR_DIR / "email-attachments")))
EMAIL_ATTACHMENT_MAX_BYTES = envint("EMAIL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
EMAIL_ATTACHMENTS_MAX_BYTES = envint("EMAIL_ATTACHMENTS_MAX_BYTES", 20 * 1024 * 1024)
# A crisis contact nobody has claimed is alerted again after this many minutes.
CRISIS_REALERT_MINUTES = envint("CRISIS_REALERT_MINUTES", 5)

# HSDS imports: what an uploaded or given file may hold before it is refused (see README).
HSDS_IMPORT_MAX_BYTES = envint("HSDS_IMPORT_MAX_BYTES", 2 * 1024**3)  # a zip's members, expanded
HSDS_IMPORT_MAX_RATIO = envint("HSDS_IMPORT_MAX_RATIO", 200)  # expanded : compressed, per member
HSDS_IMPORT_MAX_MEMBERS = envint("HSDS_IMPORT_MAX_MEMBERS", 100)  # files in a zip
HSDS_IMPORT_MAX_FIELD_CHARS = envint("HSDS_IMPORT_MAX_FIELD_CHARS", 100_000)  # one value

# --- Accounts, passwords, sessions ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "site:console"
LOGOUT_REDIRECT_URL = "accounts:login"
TWO_FACTOR_VERIFY_URL = "accounts:two_factor_verify"
PASSWORD_RESET_TIMEOUT = envint("INVITE_LINK_HOURS", 72) * 3600

SESSION_IDLE_SECONDS = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_MAX_SECONDS = envint("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGIN_THROTTLE_ATTEMPTS = envint("LOGIN_THROTTLE_ATTEMPTS", 5)
LOGIN_THROTTLE_ADDRESS_ATTEMPTS = envint("LOGIN_THROTTLE_ADDRESS_ATTEMPTS", 50)
LOGIN_THROTTLE_SECONDS = envint("LOGIN_THROTTLE_MINUTES", 15) * 60
USE_X_FORWARDED_FOR = envbool("USE_X_FORWARDED_FOR", False)

OTP_TOTP_ISSUER = envstr("HOTLINE_NAME", "Hotline")
HOTLINE_NAME = envstr("HOTLINE_NAME", "Hotline")

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = envstr("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "hotline" / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Security ---------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
# Staff forms keep Django's CSRF protection, its cookie ending with the browser session. The
# public forms use no cookie at all: a signed token in the form that expires (hotline.lib.
# form_token; docs/decisions/0007-public-forms-without-a-csrf-cookie.md).
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "hotline.site.views.form_refused"
PUBLIC_FORM_TOKEN_SECONDS = envint("PUBLIC_FORM_TOKEN_HOURS", 24) * 3600
# Error reports never carry what a person typed: every POST field is masked.
DEFAULT_EXCEPTION_REPORTER_FILTER = "hotline.lib.logging.MaskEverythingFilter"
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# --- Mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "hotline@localhost")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# Phone calls put through to the call center are recorded only when the deployment says so
# (a recording of a caller is personal data the hotline must have a reason and consent to keep).
HOTLINE_CALL_RECORDING = envbool("HOTLINE_CALL_RECORDING", False)

# --- Logging ----------------------------------------------------------------------------------
# Logs name requests by method, path and request id only. SQL is never logged, not even with
# DEBUG on, because its parameters are what people typed.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refused": {"()": "hotline.lib.logging.RefusedRequestsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # At most a few lines a minute per refused status code, then a count.
        "django.request": {"filters": ["refused"]},
        # The twilio client logs each request's form fields at INFO: a text's number and body.
        "twilio": {"level": "WARNING", "propagate": True},
    },
}
