"""Row-level scoping: which rows a user may see and change, decided in one place.

Permissions say *what kind* of record a role may read or write; the scope says *which rows*.
Pages, the admin, the API, exports and imports all narrow their querysets with
``scope_queryset`` and check a single object with ``in_scope``, so a user reaches the rows of
their scope through any door and nothing else (an object outside the scope is simply not found).

This module is the machinery and knows no app. Two things are registered into it:

- the *resolver* (``set_resolver``): what a user's scope is (enterprises/scopes.py: the roles
  that read everything, a department's rows, an official's assignments). Without one, only
  superusers reach anything (deny by default);
- a *rule* per model (``register``): how its rows reach a scope. A model that registered
  nothing raises, so a new model cannot leak by accident. Each app registers its own models in
  ``AppConfig.ready``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """What a user may reach: every row, or what the resolver's subclass says.

    The base scope is all or nothing; the resolver returns a subclass that carries what its
    rules need (departments, an official …) and says when it reaches nothing (``is_empty``).
    """

    everything: bool = False
    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.everything


ALL_ROWS = Scope(everything=True)
NO_ROWS = Scope()

# A rule turns a (non-everything) scope into a filter on the model's rows.
Rule = Callable[[Scope], Q]


@dataclass(frozen=True)
class Registration:
    rule: Rule
    # Whether a body naming a row of this model must name one within the scope. Reference rows
    # that any form may name (an official from another department joining a visit) are not.
    check_references: bool = True


_REGISTRY: dict[type[Model], Registration] = {}


def register(model: type[Model], rule: Rule, *, check_references: bool = True) -> None:
    """Declare how the rows of ``model`` are scoped."""
    _REGISTRY[model] = Registration(rule=rule, check_references=check_references)


def is_registered(model: type[Model]) -> bool:
    """Return whether ``model`` declared its scope."""
    return _registration(model) is not None


def checks_references(model: type[Model]) -> bool:
    """Return whether a body naming a row of ``model`` must name one within the scope."""
    registration = _registration(model)
    return registration is not None and registration.check_references


def _registration(model) -> Registration | None:
    if model in _REGISTRY:
        return _REGISTRY[model]
    # Proxies and simple-history's historical models are scoped like their concrete model.
    concrete = model._meta.concrete_model
    if concrete in _REGISTRY:
        return _REGISTRY[concrete]
    owner = model._meta.auto_created
    if owner and owner in _REGISTRY:
        # The table of a many-to-many field (an assignment's team): scoped by its owner's rows.
        link = next(f for f in model._meta.fields if f.is_relation and f.related_model is owner)
        return Registration(rule=_through(owner, link.name), check_references=False)
    return None


def _through(owner, link: str) -> Rule:
    def rule(scope: Scope) -> Q:
        rows = owner._default_manager.filter(scope_filter(owner, scope)).values("pk")
        return Q(**{f"{link}__in": rows})

    return rule


# -- the rules, by the way a model's rows reach the scope -------------------------------------


def any_of(*rules: Rule) -> Rule:
    """Rows reached by any of ``rules``."""

    def rule(scope: Scope) -> Q:
        q = NOTHING
        for one in rules:
            q |= one(scope)
        return q

    return rule


def everyone(scope: Scope) -> Q:
    """Zone-wide rows every role may see (months and their closes, ranking snapshots)."""
    return Q()


def readers_of_everything(scope: Scope) -> Q:
    """Zone-level rows with no department: only the roles that read everything see them."""
    return NOTHING


# -- reading the scope ------------------------------------------------------------------------

_CACHE_ATTRIBUTE = "_hengkou_scope"
Resolver = Callable[[object], Scope]
_RESOLVER: list[Resolver] = []


def set_resolver(resolver: Resolver) -> None:
    """Declare how an active, authenticated, non-superuser user's scope is worked out."""
    _RESOLVER[:] = [resolver]


def get_scope(user) -> Scope:
    """Return the user's scope (worked out once, then cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ROWS
    if user.is_superuser:
        return ALL_ROWS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    scope = _RESOLVER[0](user) if _RESOLVER else NO_ROWS  # deny by default
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope (after the user's roles or official record changed)."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def scope_filter(model: type[Model], scope: Scope) -> Q:
    """Return the filter that keeps the rows of ``model`` within ``scope``."""
    registration = _registration(model)
    if registration is None:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no row-level scope: register it in a scoping module."
        )
    if scope.everything:
        return Q()
    if scope.user_id is None and scope.is_empty:
        return NOTHING
    return registration.rule(scope)


def scope_queryset(queryset: QuerySet, user) -> QuerySet:
    """Return the rows of ``queryset`` the user may see."""
    scope = get_scope(user)
    if scope.everything:
        # Still fail loudly for an unregistered model, so a gap shows in tests.
        scope_filter(queryset.model, scope)
        return queryset
    return queryset.filter(scope_filter(queryset.model, scope))


def in_scope(user, obj: Model) -> bool:
    """Return whether the user may see ``obj``."""
    scope = get_scope(user)
    if scope.everything:
        return True
    if obj.pk is None:
        return False
    return scope_queryset(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def references_outside_scope(user, values: dict) -> list[str]:
    """Return the names of the fields in ``values`` that name a row outside the user's scope."""
    scope = get_scope(user)
    if scope.everything:
        return []
    outside = []
    for name, value in values.items():
        items = value if isinstance(value, list | tuple | set) else [value]
        for item in items:
            if not isinstance(item, Model):
                continue
            registration = _registration(type(item))
            if registration is None or not registration.check_references:
                continue
            if not in_scope(user, item):
                outside.append(name)
                break
    return outside


def scope_form_choices(form, user) -> None:
    """Offer in each model choice of ``form`` only rows within the user's scope.

    Reference data that any record may name (officials, months) stays whole; scoped rows
    (enterprises, departments, projects …) outside the scope are neither listed nor accepted,
    so a form never names, nor echoes, another department's record.
    """
    for form_field in form.fields.values():
        queryset = getattr(form_field, "queryset", None)
        if getattr(form_field, "cross_scope", False):
            continue  # a deliberate exception, e.g. routing a problem to any department
        if queryset is not None and checks_references(queryset.model):
            form_field.queryset = scope_queryset(queryset, user)


def scoped_choices(model: type[Model]):
    """Return a django-filter queryset callable: ``model``'s rows within the request's scope."""

    def choices(request):
        return scope_queryset(model._default_manager.all(), getattr(request, "user", None))

    return choices


def get_scoped_object_or_404(queryset, user, **lookup):
    """Return the object matching ``lookup`` within the user's scope, or raise Http404."""
    from django.shortcuts import get_object_or_404

    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    return get_object_or_404(scope_queryset(queryset, user), **lookup)
