"""Every concrete model of the apps has a factory, and each factory saves a valid row."""

import factory
import pytest
from django.apps import apps
from simple_history.models import HistoricalChanges

from tests import factories

APPS = ("enterprises", "projects", "hengkou")
FACTORIES = [getattr(factories, name) for name in factories.__all__]


def _is_history(model) -> bool:
    # django-simple-history's tables (and their m2m tables) are written by saving the tracked row.
    return issubclass(model, HistoricalChanges) or hasattr(model, "_history_m2m_field")


def _domain_models():
    return [
        model
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.abstract and not model._meta.proxy and not _is_history(model)
    ]


def test_every_model_of_the_apps_has_a_factory():
    covered = {factory_class._meta.model for factory_class in FACTORIES}
    missing = [model._meta.label for model in _domain_models() if model not in covered]
    assert not missing, f"models without a factory in tests/factories: {missing}"


def test_the_package_exports_only_factories():
    assert all(issubclass(f, factory.django.DjangoModelFactory) for f in FACTORIES)


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_saves_a_row_that_passes_full_clean(factory_class, media):
    instance = factory_class()
    # A NULL the column allows but a form would refuse (null=True without blank=True: stamps set
    # by a later step, rates a close fills in) is left to the model's own writers.
    unset = [
        field.name
        for field in instance._meta.concrete_fields
        if field.null and not field.blank and getattr(instance, field.attname) is None
    ]
    instance.full_clean(exclude=unset)
    assert type(instance).objects.filter(pk=instance.pk).exists()
