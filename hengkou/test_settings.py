"""Settings for the test suite: the production settings with a test key and fast hashing."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-production")
# The live server of the browser tests runs beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from . import settings as production  # noqa: E402

# Every setting of production, named (Django reads the upper-case names of this module).
globals().update({name: value for name, value in vars(production).items() if name.isupper()})

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **production.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The test client and the live server speak plain HTTP.
SECURE = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0

# SQLite's test database is a file in memory-backed storage, never ":memory:". For an in-memory
# database Django hands the test's one connection to the live server's request threads, and
# CPython's sqlite3 deadlocks in C when one thread fetches rows from a connection while another
# thread's query on it calls a Python function (Django's date and text functions are such): no
# signal reaches either thread, and CI waited out its 90 minutes. With a file each thread has its
# own connection (WAL and the busy timeout of production's settings). pytest-django adds the
# worker's suffix (_gw0, ...); Django deletes the file when the run ends.
if production.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _shm = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    _test_file = os.path.join(_shm, f"hengkou-tests-{os.getpid()}.sqlite3")
    DATABASES = {
        **production.DATABASES,
        "default": {**production.DATABASES["default"], "TEST": {"NAME": _test_file}},
    }
