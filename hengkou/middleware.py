"""Middleware of the site."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Show Chinese unless the user chose another language with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language header; officials often use
    browsers set to English, and the zone's working language is Chinese, so only the language
    cookie written by the switch is honoured.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else None
        except LookupError:
            language = None
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class PrimaryAfterWriteMiddleware:
    """Pin a client's reads to the primary database for a few seconds after it writes.

    With a read replica (``DATABASE_REPLICA_URL``), reads of a GET request go to the replica,
    which lags the primary by a moment. A request with an unsafe method, or one that wrote,
    reads the primary for the rest of the request and sets a short-lived cookie; while the
    cookie lives (``HENGKOU_REPLICA_PIN_SECONDS``), that client's requests read the primary too,
    so it sees what it just saved. A replica that is down or lags too far is not read at all
    (``db_router.replica_state``); a safe request that the replica failed under (a 503) is
    answered again from the primary. Without a replica the middleware does nothing.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        from . import db_router

        self.get_response = get_response
        self.router = db_router
        self.cookie = settings.HENGKOU_REPLICA_PIN_COOKIE
        self.seconds = settings.HENGKOU_REPLICA_PIN_SECONDS

    def __call__(self, request):
        if not self.router.replica_configured():
            return self.get_response(request)
        unsafe = request.method not in self.SAFE_METHODS
        recent = self.cookie in request.COOKIES
        allowed = not (unsafe or recent) and self.router.replica_state().usable
        with self.router.request_reads(replica_allowed=allowed) as reads:
            response = self.get_response(request)
        # The replica dropped out under this safe request: measure it again at once, and
        # answer this request from the primary rather than with the 503 page.
        if (
            allowed
            and response.status_code == 503
            and not reads.wrote
            and not self.router.replica_state(fresh=True).usable
        ):
            with self.router.request_reads(replica_allowed=False) as reads:
                response = self.get_response(request)
        if (unsafe or reads.wrote) and self.seconds > 0:
            response.set_cookie(
                self.cookie,
                "1",
                max_age=self.seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class PrivateNoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of a page, an export or an API answer.

    Every page but the login is a signed-in user's (and API answers are a token's), so a
    response without a Cache-Control of its own gets ``private, no-store``: nothing is left
    in a shared proxy or on a shared computer's disk after sign-out. Static files are served
    before this by WhiteNoise, with their own long-lived headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
