"""What every API endpoint shares below the apps: the JSON body it accepts, the browsable page.

A body is one JSON object, nested at most ``JSON_MAX_DEPTH`` levels (settings, default 32).
Anything else (an array, a bare number, ``null``, or 100,000 nested brackets that would exhaust
Python's recursion) is a 400 with the usual ``{"detail": ...}`` body, before any view runs.
"""

from __future__ import annotations

import decimal
import json
import re

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BrowsableAPIRenderer

DEFAULT_JSON_MAX_DEPTH = 32


def json_max_depth() -> int:
    return int(getattr(settings, "HENGKOU_JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH))


def json_depth(text: str) -> int:
    """Return the deepest nesting of arrays and objects in JSON text, without parsing it.

    Brackets inside strings do not count; the scan is linear and needs no recursion.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


class ObjectJSONParser(JSONParser):
    """Parse a request body that must be one JSON object of bounded depth."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from error
        if not text.strip():
            return {}
        limit = json_max_depth()
        if json_depth(text) > limit:
            raise ParseError(
                _("The JSON body is nested deeper than %(limit)s levels.") % {"limit": limit}
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as error:
            raise ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from error
        if not isinstance(data, dict):
            raise ParseError(_('The body must be a JSON object, such as {"reason": "..."}.'))
        return data


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


# Numbers as a person writes them: digits, an optional sign and decimal point. Python's own
# parsing also takes "1_000", "١٢" (other scripts' digits) and "1e3", which no form would.
PLAIN_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
PLAIN_DECIMAL = re.compile(r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*")


class PlainIntegerField(serializers.IntegerField):
    """An integer field that takes only plain digits (never "1_000" or "1e3")."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not PLAIN_INTEGER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class PlainDecimalField(serializers.DecimalField):
    """A decimal field that takes only plain digits and one decimal point."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not PLAIN_DECIMAL.fullmatch(data):
            self.fail("invalid")
        try:
            return super().to_internal_value(data)
        except decimal.InvalidOperation:
            # A number too large to round to the field's places (1e308 with no max_digits):
            # DRF's quantize raises before the bounds are checked.
            self.fail("invalid")


def plain_number_fields(mapping: dict) -> dict:
    """Return a ModelSerializer field mapping whose number fields take plain numbers only."""
    return {
        model_field: (
            PlainDecimalField
            if serializer_field is serializers.DecimalField
            else PlainIntegerField
            if serializer_field is serializers.IntegerField
            else serializer_field
        )
        for model_field, serializer_field in mapping.items()
    }


FORMAT_MENU_BUTTON = (
    '<button class="btn btn-primary dropdown-toggle js-tooltip" data-toggle="dropdown"'
)


class AccessibleBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API page, with its language on ``<html>`` and a name on the format menu.

    DRF's template has neither, and no block to add them in (the format button's title is moved
    away by its tooltip script): screen readers would read the page in the wrong language and
    announce a nameless button. The page's colours are fixed in templates/rest_framework/api.html.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        page = super().render(data, accepted_media_type, renderer_context)
        language = get_language() or settings.LANGUAGE_CODE
        page = page.replace("<html>", f'<html lang="{language}">', 1)
        label = escape(_("Choose the format of the GET request"))
        return page.replace(FORMAT_MENU_BUTTON, f'{FORMAT_MENU_BUTTON} aria-label="{label}"', 1)
