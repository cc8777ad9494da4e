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
