"""No form, filter or autocomplete offers a choice outside the user's scope (issue: names leak).

Every page of the URL conf is opened as a department user and an official of department 1;
each form and filter set in its context has its model choices read, and a scoped row of
department 2 among them is a leak. The API's filter sets are walked the same way.
"""

import pytest
from django import forms
from django.test import Client, RequestFactory
from django.urls import reverse
from django_filters import FilterSet

from core.scoping import checks_references, scope_queryset
from enterprises.models import Enterprise
from hengkou.api.urls import router
from tests.hengkou.test_access import PAGES as ACCESS_PAGES
from tests.scoped_world import build_world

pytestmark = pytest.mark.django_db
ROLES = ("department_user", "official")


def _values(context):
    for sub in context if isinstance(context, list) else [context]:
        yield from sub.flatten().values()


def _forms_in(context) -> list[forms.BaseForm]:
    found = []
    for value in _values(context):
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, FilterSet):
                found.append(item.form)
            elif isinstance(item, forms.BaseForm):
                found.append(item)
            elif isinstance(item, forms.BaseFormSet):
                found.extend([*item.forms, item.empty_form])
            elif hasattr(item, "form") and isinstance(item.form, forms.BaseForm):
                found.append(item.form)
    return found


def _leaks(form: forms.BaseForm, user) -> list[str]:
    leaks = []
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or not checks_references(queryset.model):
            continue
        if getattr(field, "cross_scope", False):
            continue  # a deliberate exception: routing a problem (交办) to any department
        allowed = set(
            scope_queryset(queryset.model._default_manager.all(), user).values_list("pk", flat=True)
        )
        offered = set(queryset.values_list("pk", flat=True))
        if offered - allowed:
            leaks.append(f"{type(form).__name__}.{name}: {sorted(offered - allowed)}")
    return leaks


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_form_offers_a_choice_outside_the_scope(world, role):
    user = world.users[role]
    client = Client()
    client.force_login(user)
    leaks, seen = [], 0
    for name, page in ACCESS_PAGES.items():
        if page.method != "get" or page.public or role not in page.allowed:
            continue
        response = client.get(page.url(world, role))
        if response.status_code != 200 or response.context is None:
            continue
        for form in _forms_in(response.context):
            seen += 1
            leaks.extend(f"{name} {leak}" for leak in _leaks(form, user))
    assert seen >= 4
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("role", ROLES)
def test_no_api_filter_offers_a_choice_outside_the_scope(world, role):
    user = world.users[role]
    request = RequestFactory().get("/")
    request.user = user
    leaks = []
    for prefix, viewset, _basename in router.registry:
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is None:
            continue
        filterset = filterset_class(data={}, queryset=viewset.queryset, request=request)
        leaks.extend(f"{prefix} {leak}" for leak in _leaks(filterset.form, user))
    assert not leaks, "\n".join(leaks)


def test_another_departments_enterprise_is_not_echoed_by_a_filter(world):
    client = Client()
    client.force_login(world.users["official"])
    theirs = world.theirs.enterprise
    assert not Enterprise.objects.filter(pk=theirs.pk, name="").exists()
    response = client.get(reverse("problems:list"), {"enterprise": theirs.pk})
    assert response.status_code == 200
    assert theirs.name not in response.content.decode()


def test_the_only_deliberate_exception_is_routing_a_problem():
    from enterprises.forms import problems as problem_forms

    exceptions = [
        f"{name}.{field_name}"
        for name, form in vars(problem_forms).items()
        if isinstance(form, type) and issubclass(form, forms.BaseForm)
        for field_name, field in form.base_fields.items()
        if getattr(field, "cross_scope", False)
    ]
    assert exceptions == ["AssignForm.department"]
