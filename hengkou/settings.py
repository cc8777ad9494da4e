"""Settings of the Hengkou Industrial Tracker, read from the environment.

Every deployment-specific value comes from an environment variable (see the README's table).
Without any, the site runs in development mode on a SQLite file under ``var/``.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = _DEV_SECRET_KEY
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "hengkou.admin_site.HengkouAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "hengkou.apps.AxesConfig",  # django-axes, its admin section named in Chinese
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "enterprises",
    "projects",
    "hengkou",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the database: routes reads to a replica (if any).
    "hengkou.middleware.PrimaryAfterWriteMiddleware",
    # Signed-in pages, exports and API answers are never stored by browsers or proxies.
    "hengkou.middleware.PrivateNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hengkou.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who may open each page (hengkou/access.py): deny by default.
    "hengkou.access.AccessPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hengkou.urls"
WSGI_APPLICATION = "hengkou.wsgi.application"
ASGI_APPLICATION = "hengkou.asgi.application"

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
                "hengkou.context_processors.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL selects it; the default is an embedded SQLite file under var/.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hengkou.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process and a command writing at once would otherwise hit "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
        }
    )
    # The rollup's covering index is a PostgreSQL speed-up; SQLite ignores its extra columns.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))
# A kept connection is checked before a request uses it, so a restarted PostgreSQL costs no
# more than the requests in flight (those get the 503 page, hengkou/middleware.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Several machines (docs/deploy.md). DATABASE_REPLICA_URL adds a streaming read replica: GET
# requests read it, writes and everything else use the primary, and a client's reads stay on the
# primary for HENGKOU_REPLICA_PIN_SECONDS after it writes (hengkou/db_router.py, middleware.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer within 2 s is skipped (reads go to the primary).
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests create no database for it: it reads the primary's test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["hengkou.db_router.PrimaryReplicaRouter"]
HENGKOU_REPLICA_PIN_SECONDS = env.int("HENGKOU_REPLICA_PIN_SECONDS", default=5)
# Reads leave a replica that cannot be reached, or that lags the primary by more than this.
HENGKOU_REPLICA_MAX_LAG_SECONDS = env.int("HENGKOU_REPLICA_MAX_LAG_SECONDS", default=30)
HENGKOU_REPLICA_PIN_COOKIE = "hk_primary"

# REDIS_URL (e.g. redis://127.0.0.1:6379/0) shares the cache and the sessions between the app
# processes; sessions are cached_db: read from Redis, written through to the database, so a Redis
# restart (or flush) logs no one out. Without it: a per-process memory cache, database sessions.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, degrading to a miss while Redis is down (core/cache.py).
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="hengkou"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Rankings, zone statistics, trends and the completeness board are kept in the cache until the
# next write (core/figures_cache.py); only with a cache every process shares (Redis).
HENGKOU_FIGURES_CACHE_SECONDS = env.int(
    "HENGKOU_FIGURES_CACHE_SECONDS", default=300 if REDIS_URL else 0
)
# Load balancers probe /healthz/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]
# Login failures are counted in the database, which every node shares (not in the cache).
AXES_HANDLER = "hengkou.lockout.LockoutHandler"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user and IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (hengkou/lockout.py): a username is locked after 5 failures from any address,
# an address after 20 failures on any usernames; locks last 15 minutes, doubling with each further
# lockout of the username within a day, up to 4 hours. The client's address is REMOTE_ADDR, or
# X-Forwarded-For only when the request comes from a proxy listed in HENGKOU_TRUSTED_PROXIES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
HENGKOU_LOCKOUT_ADDRESS_LIMIT = env.int("HENGKOU_LOCKOUT_ADDRESS_LIMIT", default=20)
HENGKOU_LOCKOUT_COOLOFF = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
HENGKOU_LOCKOUT_COOLOFF_MAX = datetime.timedelta(
    minutes=env.int("HENGKOU_LOCKOUT_COOLOFF_MAX_MINUTES", default=240)
)
AXES_COOLOFF_TIME = "hengkou.lockout.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True  # each record expires after its own (growing) cool-off
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "hengkou.lockout.client_address"
HENGKOU_TRUSTED_PROXIES = env.list("HENGKOU_TRUSTED_PROXIES", default=[])

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Chinese by default, English available; source strings are English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Where collectstatic gathers the files on a node (nginx may serve them from there).
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(STATIC_ROOT))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

HENGKOU_JSON_MAX_DEPTH = env.int("HENGKOU_JSON_MAX_DEPTH", default=32)
# Photos (core/images.py): bytes and decoded pixels, checked from the header before decoding.
HENGKOU_PHOTO_MAX_BYTES = env.int("HENGKOU_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
HENGKOU_PHOTO_MAX_PIXELS = env.int("HENGKOU_PHOTO_MAX_PIXELS", default=40_000_000)
# Photos one visit or one project report holds at most, added on its page or through the API.
HENGKOU_PHOTOS_PER_RECORD = env.int("HENGKOU_PHOTOS_PER_RECORD", default=20)
# Days after a visit was recorded during which its author may correct or delete it (API v1).
HENGKOU_VISIT_CORRECTION_DAYS = env.int("HENGKOU_VISIT_CORRECTION_DAYS", default=7)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "hengkou.api.permissions.HoldsARole",
    ],
    # A JSON body is one object, nested at most HENGKOU_JSON_MAX_DEPTH levels (core.api).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.http.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The browsable API's page with its language and named controls (core.api).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.api.http.AccessibleBrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "hengkou.api.conventions.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "hengkou.api.conventions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The OpenAPI schema of API v1 (/api/v1/schema/) and its browsable docs, served without a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Hengkou Industrial Tracker API",
    "DESCRIPTION": (
        "API v1 of the Hengkou Industrial Tracker: departments, officials, enterprises, the "
        "五个一 assignments, targets, monthly figures, visits, problems, projects, and the "
        "computed rankings and zone statistics. Session or `Authorization: Token <key>` "
        "authentication; lists are paginated with `page` and `page_size` (at most 1000). "
        "See docs/api.md for the integration guide."
    ),
    "VERSION": "1.0.0",
    # The schema and its docs are for signed-in integrators holding a role, like the API itself.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAuthenticated",
        "hengkou.api.permissions.HoldsARole",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DepartmentKindEnum": "enterprises.choices.DepartmentKind",
        "OfficialRankEnum": "enterprises.choices.OfficialRank",
        "ChainRoleEnum": "enterprises.choices.ChainRole",
        "VisitKindEnum": "enterprises.choices.VisitKind",
        "ProblemCategoryEnum": "enterprises.choices.ProblemCategory",
        "ProblemSeverityEnum": "enterprises.choices.ProblemSeverity",
        "ProblemStatusEnum": "enterprises.choices.ProblemStatus",
        "MetricEnum": "enterprises.choices.Metric",
        "ReportStatusEnum": "enterprises.choices.ReportStatus",
        "RankedMetricEnum": "hengkou.choices.RankedMetric",
        "LightEnum": "hengkou.choices.Light",
        "NoticeStatusEnum": "hengkou.choices.NoticeStatus",
        "MemberReportStatusEnum": "hengkou.choices.MemberReportStatus",
        "ProjectKindEnum": "projects.choices.ProjectKind",
        "StageEnum": "projects.choices.Stage",
        "EvaluationGradeEnum": "projects.models.EvaluationGrade",
    },
}

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="hengkou-tracker@localhost")

# Delivery channels (docs/messaging.md): the links' base, retries, and where webhooks may post.
HENGKOU_SITE_URL = env.str("HENGKOU_SITE_URL", default="http://localhost:8000")
HENGKOU_MESSAGING_TIMEOUT = env.float("HENGKOU_MESSAGING_TIMEOUT", default=5.0)
# The first attempts made right after the close or the job that queued them stop after this many
# seconds (a close from the page waits for them); the rest are left to send_deliveries.
HENGKOU_MESSAGING_INLINE_SECONDS = env.float("HENGKOU_MESSAGING_INLINE_SECONDS", default=15.0)
HENGKOU_MESSAGING_MAX_ATTEMPTS = env.int("HENGKOU_MESSAGING_MAX_ATTEMPTS", default=6)
HENGKOU_MESSAGING_RETRY_BASE_SECONDS = env.int("HENGKOU_MESSAGING_RETRY_BASE_SECONDS", default=60)
HENGKOU_MESSAGING_RETRY_MAX_SECONDS = env.int("HENGKOU_MESSAGING_RETRY_MAX_SECONDS", default=3600)
# Plain http only for a receiver on loopback in tests; the robots only to their official hosts;
# the generic webhook to any host named by a domain name unless a list is given.
# Fernet keys that encrypt the channels' webhook URLs and secrets in the database, newest first
# (core/crypto.py); development derives one from SECRET_KEY, `check --deploy` refuses that.
HENGKOU_SECRETS_KEYS = env.list("HENGKOU_SECRETS_KEYS", default=[])
# Networks a channel may connect to although not public (an intranet receiver), CIDR.
HENGKOU_MESSAGING_ALLOWED_NETWORKS = env.list("HENGKOU_MESSAGING_ALLOWED_NETWORKS", default=[])
HENGKOU_MESSAGING_ALLOW_HTTP = env.bool("HENGKOU_MESSAGING_ALLOW_HTTP", default=False)
HENGKOU_MESSAGING_HOSTS = {
    "wecom": env.list("HENGKOU_MESSAGING_WECOM_HOSTS", default=["qyapi.weixin.qq.com"]),
    "dingtalk": env.list("HENGKOU_MESSAGING_DINGTALK_HOSTS", default=["oapi.dingtalk.com"]),
    "webhook": env.list("HENGKOU_MESSAGING_WEBHOOK_HOSTS", default=[]),
}

# The monthly routine (domain.md); every value here is the shipped default.
HENGKOU_REPORT_DUE_DAY = env.int("HENGKOU_REPORT_DUE_DAY", default=5)
HENGKOU_NOTICE_DUE_DAYS = env.int("HENGKOU_NOTICE_DUE_DAYS", default=10)
# The data-quality gate before the close (enterprises/quality.py, docs/rules.md): the rules'
# thresholds, and whether unexplained flags ask for confirmation ("warn") or refuse ("block").
HENGKOU_DQ_VALUE_ADDED_RATIO = env.str("HENGKOU_DQ_VALUE_ADDED_RATIO", default="1")
HENGKOU_DQ_TAX_RATIO = env.str("HENGKOU_DQ_TAX_RATIO", default="1")
HENGKOU_DQ_PROFIT_RATIO = env.str("HENGKOU_DQ_PROFIT_RATIO", default="1")
HENGKOU_DQ_OUTPUT_WITHOUT_EMPLOYEES = env.str("HENGKOU_DQ_OUTPUT_WITHOUT_EMPLOYEES", default="0")
HENGKOU_DQ_MONTH_FACTOR = env.str("HENGKOU_DQ_MONTH_FACTOR", default="3")
HENGKOU_DQ_YEAR_RISE = env.str("HENGKOU_DQ_YEAR_RISE", default="1")
HENGKOU_DQ_YEAR_FALL = env.str("HENGKOU_DQ_YEAR_FALL", default="0.5")
HENGKOU_DQ_EMPLOYEES_CHANGE = env.str("HENGKOU_DQ_EMPLOYEES_CHANGE", default="0.3")
HENGKOU_DQ_ELECTRICITY_GAP = env.str("HENGKOU_DQ_ELECTRICITY_GAP", default="0.5")
HENGKOU_DQ_MIN_AMOUNT = env.str("HENGKOU_DQ_MIN_AMOUNT", default="1")
HENGKOU_DQ_CLOSE_MODE = env.str("HENGKOU_DQ_CLOSE_MODE", default="warn")
# Cultivation candidates: enterprises whose revenue over the last 12 months reaches this share of
# the above-scale threshold (万元 of operating revenue a year).
HENGKOU_ABOVE_SCALE_THRESHOLD = env.float("HENGKOU_ABOVE_SCALE_THRESHOLD", default=2000.0)
HENGKOU_CANDIDATE_SHARE = env.float("HENGKOU_CANDIDATE_SHARE", default=0.8)
# Lights against time progress (core.indicators): green when gap >= light_green_from, red when
# gap < light_red_below, yellow between; lagging when rate < time progress - lagging_tolerance.
HENGKOU_RANKING = {
    "lagging_tolerance": "0",
    "lagging_bottom_n": 0,
    "light_green_from": "0",
    "light_red_below": "-0.10",
}
# The bulletin's document number (发文字号): prefix〔year〕N号, numbered per year in close order.
HENGKOU_BULLETIN_NUMBER_PREFIX = env.str("HENGKOU_BULLETIN_NUMBER_PREFIX", default="恒示包抓")
# The bulletin as an official document (公文, GB/T 9704): who issues it, to whom, and its fonts.
# A key left out keeps its default (hengkou/bulletin/document.py, DOCUMENT_DEFAULTS). Each font is
# a list, the official face first, then Debian's fonts-noto-cjk: the PDF falls back along the
# list; the .docx names the first face (Word and LibreOffice substitute a zh-CN face if absent).
# Keys: issuing_office, addressees, cc, printed_by, font_fangsong, font_xiaobiaosong,
# font_heiti, font_kaiti; empty here means every default.
HENGKOU_BULLETIN_DOCUMENT: dict = {}

# Sessions end a working day after login, and with the browser.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_SECONDS", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Transport and browser security: strict outside debug, relaxable by the environment for a
# plain-HTTP intranet (DJANGO_SECURE=0).
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = SECURE and env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: everything from this site; no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # The officials' service worker (/sw.js) and the app's manifest, from this site only.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
    # urllib3 logs each request line at DEBUG, a robot's key or token with it: never below WARNING.
    "loggers": {"urllib3": {"level": "WARNING"}},
}
