"""The long selects written in Python: the very HTML of Django's templates."""

import datetime

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.forms import QuickSelect, render_options
from enterprises.models import Department
from tests.factories import DepartmentFactory

CHOICES = [
    ("", _("All")),
    (1, "工信局"),
    ("2", "a <b> & \"c\" 'd'"),
    (3, mark_safe("<em>safe</em>")),
    (4, 2021),
    ("x&y", _("Overdue")),
    (datetime.date(2021, 11, 1), datetime.date(2021, 11, 1)),
]
GROUPED = [("", "---"), ("组 <1>", [(1, "一"), (2, "二")]), (3, "三")]
ATTRS = [
    None,
    {"class": "form-select form-control-sm"},
    {"id": "id_x", "required": True, "disabled": False, "data-n": 5, "title": 'q"<'},
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("choices", [CHOICES, GROUPED, []], ids=["flat", "grouped", "empty"])
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("value", [None, "", 1, "2", "x&y", ["3"], 99])
def test_quick_select_writes_djangos_html(language, choices, attrs, value):
    with translation.override(language):
        expected = forms.Select(attrs=attrs, choices=choices).render("f<x>", value)
        got = QuickSelect(attrs=attrs, choices=choices).render("f<x>", value)
    assert got == expected


@pytest.mark.django_db
@pytest.mark.parametrize("value", [None, "", "bad"])
def test_quick_select_of_a_model_choice_field_in_a_form(value):
    departments = [DepartmentFactory(name=f"部门<{n}>") for n in range(3)]

    def form(widget):
        class Form(forms.Form):
            department = forms.ModelChoiceField(
                Department.objects.order_by("code"), widget=widget, empty_label="全部"
            )

        return Form({"department": departments[1].pk if value is None else value})

    assert str(form(QuickSelect)["department"]) == str(form(forms.Select)["department"])


LOOP = (
    '{% for value, label in choices %}<option value="{{ value }}"'
    '{% if value|stringformat:"s" == selected|stringformat:"s" %} selected{% endif %}>'
    "{{ label }}</option>{% endfor %}"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("selected", ["", "1", 1, "x&y", "99"])
def test_render_options_writes_the_template_loops_html(language, selected):
    with translation.override(language):
        expected = Template(LOOP).render(Context({"choices": CHOICES, "selected": selected}))
        assert render_options(CHOICES, selected) == expected


def test_render_options_selects_nothing_for_none():
    assert " selected" not in render_options(CHOICES, None)
