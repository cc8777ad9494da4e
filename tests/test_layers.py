"""Nothing imports upward: hengkou → projects → enterprises → core, and core imports no app.

An import here is any way one app's code names another's: a Python import (at module level or
inside a function, absolute or relative), a string naming another app's permission, model, URL
name or module, and a ``{% url %}`` or ``perms.`` in the templates an app renders. A lower app
that needs to know something of a higher one is told it at start-up (``AppConfig.ready``) or by
its caller; it never names it.
"""

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.management import _get_all_permissions
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LAYERS = ("core", "enterprises", "projects", "hengkou")  # from the bottom up
RANK = {app: rank for rank, app in enumerate(LAYERS)}
# Templates that frame every page (base.html, includes/, the error pages …) are the site's.
SHELL = "hengkou"


@dataclass(frozen=True)
class Reference:
    """One place where code of ``app`` names something of the higher app ``target``."""

    where: str
    line: int
    app: str
    target: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.app} names {self.target}: {self.what}"


def _layer(name: str) -> str | None:
    """Return the app of a dotted module name, or None for anything outside the layers."""
    top = name.split(".", 1)[0]
    return top if top in RANK else None


def _is_higher(app: str, target: str | None) -> bool:
    return target is not None and RANK[target] > RANK[app]


def python_files(app: str) -> list[Path]:
    """Return the app's Python files, without its migrations."""
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.Module, *, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Return (line, absolute module name) of every import in the tree, relative ones resolved."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def string_literals(tree: ast.Module) -> list[tuple[int, str]]:
    """Return (line, value) of every string in the tree but the names URL patterns are given.

    ``path(..., name="inspection_list")`` names a pattern of the app's own URLconf; the same
    name elsewhere in the site is another URL.
    """
    own_names = {
        id(keyword.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("path", "re_path")
        for keyword in node.keywords
        if keyword.arg == "name"
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in own_names
    ]


def permission_owners() -> dict[str, str]:
    """Return every permission ("label.codename", custom ones included) with its app."""
    owners = {}
    for model in apps.get_models():
        app = _layer(model._meta.app_config.name)
        if app:
            for codename, _name in _get_all_permissions(model._meta):
                owners[f"{model._meta.app_label}.{codename}"] = app
    return owners


def model_owners() -> dict[str, str]:
    """Return every model's lazy reference ("label.modelname", lower case) with its app."""
    return {
        model._meta.label_lower: app
        for model in apps.get_models()
        if (app := _layer(model._meta.app_config.name))
    }


def url_name_owners() -> dict[str, str]:
    """Return every URL name (with its namespaces) with the app whose module holds the view."""
    owners: dict[str, str] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                app = _layer(pattern.lookup_str)
                if app:
                    owners[f"{namespace}{pattern.name}"] = app

    walk(get_resolver().url_patterns, "")
    return owners


def module_paths() -> dict[str, str]:
    """Return the dotted name of every module of the apps (hengkou.roles …) with its app."""
    return {module_name(path): app for app in LAYERS for path in python_files(app)}


def upward_python_references(app: str, *, names: dict[str, str]) -> list[Reference]:
    """Return every import of a higher app and every string naming one, in the app's code."""
    found = []
    for path in python_files(app):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(), filename=where)
        module = module_name(path)
        is_package = path.name == "__init__.py"
        for line, name in imported_modules(tree, module=module, is_package=is_package):
            if _is_higher(app, target := _layer(name)):
                found.append(Reference(where, line, app, target, f"import {name}"))
        for line, value in string_literals(tree):
            target = names.get(value.lower() if "." in value and ":" not in value else value)
            if _is_higher(app, target):
                found.append(Reference(where, line, app, target, repr(value)))
    return found


URL_TAG = re.compile(r"{%\s*url\s+(['\"])(?P<name>[^'\"]+)\1")
TEMPLATE_TAG = re.compile(r"{%\s*(?:include|extends)\s+(['\"])(?P<name>[^'\"]+)\1")
PERMS = re.compile(r"\bperms\.(?P<label>\w+)\.(?P<codename>\w+)")
TEMPLATE_NAME = re.compile(r"^[\w/.-]+\.(html|txt|xml)$")


def template_owners() -> dict[Path, str]:
    """Return each template under templates/ with the app that renders it.

    A template belongs to the lowest of: the app of its folder (templates/enterprises/ …) and
    the apps whose Python code names it ("zone/loan_list.html" in enterprises); any other
    template (base.html, includes/, registration/, the error pages) frames the site: hengkou's.
    """
    named: dict[str, set[str]] = {}
    for app in LAYERS:
        for path in python_files(app):
            for _line, value in string_literals(ast.parse(path.read_text())):
                if TEMPLATE_NAME.match(value):
                    named.setdefault(value, set()).add(app)
    owners = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        folder = name.split("/", 1)[0] if "/" in name else ""
        candidates = {SHELL, *named.get(name, ())}
        if folder in RANK:
            candidates.add(folder)
        owners[path] = min(candidates, key=RANK.__getitem__)
    return owners


def upward_template_references(*, urls: dict[str, str], perms: dict[str, str]) -> list[Reference]:
    found = []
    for path, app in template_owners().items():
        where = str(path.relative_to(ROOT))
        for line_number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in URL_TAG.finditer(line):
                if _is_higher(app, target := urls.get(match["name"])):
                    found.append(Reference(where, line_number, app, target, match.group(0) + " %}"))
            for match in TEMPLATE_TAG.finditer(line):
                # Shared templates (base.html, includes/) frame the site; an app's folder is its.
                if _is_higher(app, target := _layer(match["name"].split("/", 1)[0])):
                    found.append(Reference(where, line_number, app, target, match.group(0) + " %}"))
            for match in PERMS.finditer(line):
                permission = f"{match['label']}.{match['codename']}"
                if _is_higher(app, target := perms.get(permission)):
                    found.append(Reference(where, line_number, app, target, match.group(0)))
    return found


def _report(references: list[Reference]) -> str:
    return "upward references (pass the knowledge down instead):\n" + "\n".join(
        str(reference) for reference in references
    )


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_names_a_higher_one_in_its_python_code(app):
    names = {**module_paths(), **model_owners(), **permission_owners(), **url_name_owners()}
    references = upward_python_references(app, names=names)
    assert not references, _report(references)


def test_no_template_names_a_higher_app_than_the_one_rendering_it():
    references = upward_template_references(urls=url_name_owners(), perms=permission_owners())
    assert not references, _report(references)


# --- the check itself ---------------------------------------------------------------------------


def test_imports_are_found_wherever_they_are_and_relative_ones_resolved():
    source = (
        "import hengkou.roles\n"
        "from core import periods\n"
        "def f():\n"
        "    from projects.models import Project\n"
        "from ..hengkou import x\n"
        "from . import views\n"
    )
    tree = ast.parse(source)
    assert sorted(imported_modules(tree, module="enterprises.api.views", is_package=False)) == [
        (1, "hengkou.roles"),
        (2, "core"),
        (4, "projects.models"),
        (5, "enterprises.hengkou"),
        (6, "enterprises.api"),
    ]
    assert dict(imported_modules(tree, module="enterprises.views", is_package=False))[6] == (
        "enterprises"
    )
    assert dict(imported_modules(tree, module="enterprises.api", is_package=True))[6] == (
        "enterprises.api"
    )


def test_the_names_of_each_app_are_known():
    """The check only sees what it knows: the higher apps' permissions, models and URL names."""
    permissions = permission_owners()
    assert permissions["hengkou.view_rankingsnapshot"] == "hengkou"
    assert permissions["projects.view_fundingapplication"] == "projects"
    assert permissions["enterprises.view_enterprise"] == "enterprises"
    assert model_owners()["hengkou.rankingsnapshot"] == "hengkou"
    urls = url_name_owners()
    assert urls["dashboard"] == urls["overview:overview"] == "hengkou"
    assert urls["projects:funding_list"] == "projects"
    assert urls["zone:index"] == urls["enterprises:my_enterprises"] == "enterprises"
    assert module_paths()["hengkou.roles"] == "hengkou"


def test_templates_belong_to_the_app_rendering_them():
    owners = {
        path.relative_to(TEMPLATES).as_posix(): app for path, app in template_owners().items()
    }
    assert owners["zone/index.html"] == "enterprises"  # rendered by enterprises/views/zone.py
    assert owners["imports/upload.html"] == "core"  # rendered by core/imports/views.py
    assert owners["enterprises/includes/raised_problem.html"] == "enterprises"
    assert owners["projects/funding_list.html"] == "projects"
    assert owners["base.html"] == owners["includes/nav.html"] == "hengkou"
    assert owners["admin/base_site.html"] == "hengkou"


def test_an_upward_reference_is_reported_with_its_place(tmp_path, monkeypatch):
    planted = tmp_path / "enterprises" / "planted.py"
    planted.parent.mkdir()
    planted.write_text(
        'urlpatterns = [path("", view, name="inspection_list")]\n'
        'PERMISSION = "hengkou.view_rankingsnapshot"\n'
        "def f():\n"
        "    from hengkou import roles\n"
        '    return reverse("projects:funding_list"), "dashboard", "hengkou.roles"\n'
        'OWN = ("enterprises.view_enterprise", "zone:index", "hengkou.cache")\n'
    )
    names = {**module_paths(), **model_owners(), **permission_owners(), **url_name_owners()}
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = {
        (r.line, r.target, r.what) for r in upward_python_references("enterprises", names=names)
    }
    assert found == {
        (2, "hengkou", "'hengkou.view_rankingsnapshot'"),
        (4, "hengkou", "import hengkou"),
        (5, "projects", "'projects:funding_list'"),
        (5, "hengkou", "'dashboard'"),
        (5, "hengkou", "'hengkou.roles'"),
    }


def test_a_template_naming_a_higher_app_is_reported_with_its_place(tmp_path, monkeypatch):
    zone = tmp_path / "templates" / "zone"
    zone.mkdir(parents=True)
    (zone / "index.html").write_text(
        '{% extends "base.html" %}\n'
        "{% url 'zone:chain' %} {% include \"includes/pagination.html\" %}\n"
        "<a href=\"{% url 'overview:overview' %}\">{% if perms.hengkou.view_rankingsnapshot %}\n"
        '{% include "hengkou/bulletin_table.html" %}{% url "projects:funding_list" year=1 %}\n'
    )
    (tmp_path / "templates" / "base.html").write_text("{% url 'dashboard' %}\n")
    renders = tmp_path / "enterprises" / "views.py"
    renders.parent.mkdir()
    renders.write_text('TEMPLATE = "zone/index.html"\n')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "TEMPLATES", tmp_path / "templates")
    found = upward_template_references(urls=url_name_owners(), perms=permission_owners())
    assert sorted((r.where, r.line, r.app, r.target, r.what) for r in found) == [
        (
            "templates/zone/index.html",
            3,
            "enterprises",
            "hengkou",
            "perms.hengkou.view_rankingsnapshot",
        ),
        ("templates/zone/index.html", 3, "enterprises", "hengkou", "{% url 'overview:overview' %}"),
        (
            "templates/zone/index.html",
            4,
            "enterprises",
            "hengkou",
            '{% include "hengkou/bulletin_table.html" %}',
        ),
        (
            "templates/zone/index.html",
            4,
            "enterprises",
            "projects",
            '{% url "projects:funding_list" %}',
        ),
    ]
