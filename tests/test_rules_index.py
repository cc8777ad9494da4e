"""docs/rules.md names the one home of each rule of domain.md; every home it names exists and
says what it does."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
HOME = re.compile(r"`([a-z_][\w.]*):([A-Za-z_][\w.]*)`")


def homes() -> list[tuple[str, str]]:
    return HOME.findall(RULES.read_text())


def test_the_index_names_homes_in_every_layer():
    layers = {module.split(".", 1)[0] for module, _name in homes()}
    assert layers == {"core", "enterprises", "projects", "hengkou"}
    assert len(homes()) >= 40


@pytest.mark.parametrize(("module", "name"), homes(), ids=lambda value: value)
def test_each_home_exists_and_states_its_rule(module, name):
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    doc = inspect.getdoc(target) or ""
    assert len(doc) >= 20, f"{module}:{name} has no docstring stating its rule"
