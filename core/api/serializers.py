"""The write serializer every resource builds on: ``full_clean()`` and one transaction per write.

Model validation errors come back as a 400 naming each field; a write into a closed month stays a
Django ``ValidationError`` (code ``month_closed``) for the exception handler to make a 409.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.settings import api_settings

from core.api.http import plain_number_fields
from core.periods import check_month_begun, format_period, parse_period
from core.scoping import references_outside_scope

# Lists of ids render at most this many options in the browsable API's forms.
HTML_CUTOFF = 100
# A list of ids in a body holds at most this many (each id is looked up): more is a 400.
ID_LIST_MAX = 200


def too_many_items(limit: int, count: int) -> str:
    return _("This list holds at most %(limit)s items; %(count)s were sent.") % {
        "limit": limit,
        "count": count,
    }


class BoundedManyRelatedField(serializers.ManyRelatedField):
    """A list of related ids refused whole, before any id is looked up, past ``max_length``."""

    def __init__(self, *, max_length: int = ID_LIST_MAX, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list | tuple) and len(data) > self.max_length:
            raise serializers.ValidationError(
                too_many_items(self.max_length, len(data)), code="max_length"
            )
        return super().to_internal_value(data)


class BoundedManyRelatedFieldSchema(OpenApiSerializerFieldExtension):
    """Document a bounded list of ids with its ``maxItems``."""

    target_class = BoundedManyRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "maxItems": self.target.max_length}


class BoundedManyMixin:
    """Make ``many=True`` of a related field a ``BoundedManyRelatedField`` (``max_length``)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        max_length = kwargs.pop("max_length", ID_LIST_MAX)
        list_kwargs = {"child_relation": cls(*args, **kwargs), "max_length": max_length}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return BoundedManyRelatedField(**list_kwargs)


class BoundedPrimaryKeyRelatedField(BoundedManyMixin, serializers.PrimaryKeyRelatedField):
    """A primary key related field whose ``many=True`` list is bounded (``max_length``)."""


class BoundedListSerializer(serializers.ListSerializer):
    """A list of nested objects refused whole past ``max_length``, as ``{"field": [message]}``.

    DRF's own check answers ``{"field": {"non_field_errors": [...]}}``, and only once the list
    is read; this one refuses it before any item is validated.
    """

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            raise serializers.ValidationError(
                too_many_items(self.max_length, len(data)), code="max_length"
            )
        return super().to_internal_value(data)


def is_closed_month(error: DjangoValidationError) -> bool:
    """Return whether a model validation error refuses a write into a closed month."""
    if hasattr(error, "error_dict"):
        errors = [e for field_errors in error.error_dict.values() for e in field_errors]
    else:
        errors = error.error_list
    return any(e.code == "month_closed" for e in errors)


def api_error(error: DjangoValidationError, *, rename=None) -> serializers.ValidationError:
    """Return a model validation error as a DRF one, naming each field (``rename`` maps keys)."""
    rename = {NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY, **(rename or {})}
    if hasattr(error, "error_dict"):
        detail = {rename.get(key, key): messages for key, messages in error.message_dict.items()}
    else:
        detail = {rename.get(NON_FIELD_ERRORS): error.messages}
    return serializers.ValidationError(detail)


@contextmanager
def model_errors(*, rename=None):
    """Turn model validation errors into a 400 naming each field; a closed month stays a 409."""
    try:
        yield
    except DjangoValidationError as error:
        if is_closed_month(error):
            raise
        raise api_error(error, rename=rename) from error


PERIOD_SCHEMA = {
    "type": "string",
    "pattern": "^[0-9]{4}-[0-9]{2}$",
    "example": "2021-11",
    "description": "A month, written YYYY-MM.",
}


@extend_schema_field(PERIOD_SCHEMA)
class PeriodField(serializers.Field):
    """A month written ``YYYY-MM`` (stored as its first day)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(
                _("A period is written YYYY-MM, for example 2021-11.")
            )
        try:
            period = parse_period(data)
            check_month_begun(period)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return period

    def to_representation(self, value):
        return format_period(value)


class IdField(BoundedManyMixin, serializers.PrimaryKeyRelatedField):
    """A foreign key given and returned as an integer id.

    The browsable API types it in as a number instead of rendering a dropdown of every row;
    only models that say they are few (``api_dropdown = True``, e.g. departments) keep it. A
    list of them (``many=True``) holds at most ``ID_LIST_MAX`` ids unless told (``max_length``).
    """

    def __init__(self, **kwargs):
        queryset = kwargs.get("queryset")
        if queryset is not None and not getattr(queryset.model, "api_dropdown", False):
            kwargs.setdefault("style", {"base_template": "input.html", "input_type": "number"})
        super().__init__(**kwargs)


class ModelWriteSerializer(serializers.ModelSerializer):
    """A model serializer whose writes run ``full_clean()`` and save in one transaction."""

    serializer_related_field = IdField
    serializer_field_mapping = plain_number_fields(
        serializers.ModelSerializer.serializer_field_mapping
    )

    def run_validators(self, value):
        # Scope before uniqueness: a body naming another department's record is refused as
        # such, whether or not that record exists or already has, say, this month's report.
        request = self.context.get("request")
        if request is not None and isinstance(value, dict):
            exempt = getattr(getattr(self, "Meta", None), "cross_scope_fields", ())
            named = {name: item for name, item in value.items() if name not in exempt}
            outside = references_outside_scope(request.user, named)
            if outside:
                message = _("This is outside your department's records.")
                raise serializers.ValidationError({name: [message] for name in outside})
        super().run_validators(value)

    def create(self, validated_data):
        return self.write(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self.write(instance, validated_data)

    @transaction.atomic
    def write(self, instance, data):
        many = {}
        for name in list(data):
            try:
                field = instance._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_many:
                many[name] = data.pop(name)
        for name, value in data.items():
            setattr(instance, name, value)
        self.save_instance(instance)
        for name, values in many.items():
            getattr(instance, name).set(values)
        return instance

    def save_instance(self, instance):
        with model_errors():
            instance.full_clean()
        instance.save()

    @property
    def acting_user(self):
        return self.context["request"].user
