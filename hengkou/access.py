"""Who may open each page: one table, checked by a middleware before any view runs.

The same table says which areas the menu offers a user (``may_offer``): a page's area shows
when the page would open, and, for the few pages that concern fewer users than may open them
(the officials' own page, the zone's records), when its ``menu`` rule admits the user too.

Deny by default: a page whose URL name is not in ``PAGES`` answers 403 to everyone, so a new
page is closed until someone says who may open it (and the authorization matrix test, which
walks the URL conf, fails until it has an entry too). The admin and the API keep their own
checks (staff status and model permissions; DRF's permission classes). Which *rows* a page
shows is the row-level scope's business (core/scoping.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from core.scoping import get_scope


@dataclass(frozen=True)
class Rule:
    """Who may open a page: anyone, anyone holding a role, or holders of any of ``permissions``.

    ``staff`` narrows it to staff accounts, ``official`` to logins linked to an official;
    ``menu`` is who the menu offers the page to, when fewer than may open it (None: the same).
    """

    public: bool = False
    permissions: tuple[str, ...] = ()
    staff: bool = False
    official: bool = False
    menu: Rule | None = None

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not user.is_authenticated:
            return False
        if not (user.is_superuser or get_scope(user).roles):
            # Deny by default: an account without a role reaches nothing but the frame.
            return False
        if self.staff and not user.is_staff:
            return False
        if self.official and not hasattr(user, "official"):
            return False
        if not self.permissions:
            return True
        return any(user.has_perm(permission) for permission in self.permissions)

    def offers(self, user) -> bool:
        """Return whether the menu offers the page to ``user``."""
        return self.allows(user) and (self.menu is None or self.menu.allows(user))


PUBLIC = Rule(public=True)
LOGGED_IN = Rule()


def needs(*permissions: str) -> Rule:
    return Rule(permissions=permissions)


@dataclass(frozen=True)
class MonthPermission:
    """Who may close (or reopen) a month, and what anyone else is told.

    The page, its button, the endpoint and the view all ask this one object, so the rule and
    its message cannot drift apart.
    """

    permission: str
    refusal: str

    def allows(self, user) -> bool:
        return user.has_perm(self.permission)

    def check(self, user) -> None:
        """Raise PermissionDenied, saying who may, unless ``user`` is allowed."""
        if not self.allows(user):
            raise PermissionDenied(str(self.refusal))


CLOSE_MONTH = MonthPermission(
    "enterprises.close_period",
    _("Only the economic bureau or an administrator closes a month."),
)
REOPEN_MONTH = MonthPermission(
    "enterprises.reopen_period",
    _("Only an administrator reopens a month."),
)


# Rankings and every other zone-wide figure: the roles that read every department's ranking.
READS_RANKINGS = "hengkou.view_rankingsnapshot"
RANKINGS = needs(READS_RANKINGS)
# The turn of the year: the leading office (who closes the months) and administrators.
YEAR_TURN = needs("hengkou.add_yearturn")
IMPORTERS = needs(
    "hengkou.add_drafttarget",
    "enterprises.add_enterprise",
    "enterprises.add_assignment",
    "enterprises.add_target",
    "enterprises.add_monthlyreport",
    "enterprises.add_safetyactivity",
    "enterprises.add_chainyear",
    "enterprises.add_zonestanding",
    "projects.add_projectplan",
    "projects.add_projectreport",
)

NO_ROLE = _("Your account holds no role on this site yet: ask an administrator to give you one.")

PAGES: dict[str, Rule] = {
    # The frame.
    "login": PUBLIC,
    "logout": PUBLIC,
    "set_language": PUBLIC,
    "favicon": PUBLIC,
    # The officials' app: no user data in either (registered by officials' pages only).
    "service_worker": PUBLIC,
    "manifest": PUBLIC,
    "offline_page": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "home": LOGGED_IN,
    "notification_list": LOGGED_IN,
    "notification_open": LOGGED_IN,
    # Supervisors: rankings, bulletins, the overview, the close, notices, inspections.
    "dashboard": RANKINGS,
    "dashboard_xlsx": RANKINGS,
    "department_members": RANKINGS,
    "assessment": RANKINGS,
    "bulletin:index": RANKINGS,
    "bulletin:detail": RANKINGS,
    "bulletin:xlsx": RANKINGS,
    "bulletin:docx": RANKINGS,
    "bulletin:pdf": RANKINGS,
    "overview:overview": RANKINGS,
    "dashboard_close": needs(CLOSE_MONTH.permission),
    # The data-quality board: the economic bureau's, and each department's own flags.
    "data_quality": needs("enterprises.view_figureflag"),
    "data_quality_explain": needs("enterprises.view_figureflag"),
    "dashboard_reopen": needs(REOPEN_MONTH.permission),
    "notice_list": needs("hengkou.view_supervisionnotice"),
    "notice_detail": needs("hengkou.view_supervisionnotice"),
    "inspection_list": needs("hengkou.view_inspection"),
    "annual:plans": needs("hengkou.view_annualplan"),
    "annual:turn": YEAR_TURN,
    "annual:draft": YEAR_TURN,
    # Officials and departments: their enterprises, visits, duties, problems, work reports.
    # Anyone may open /my/ (it says so when there is nothing); the menu offers it to officials.
    "enterprises:my_enterprises": Rule(menu=Rule(official=True)),
    "enterprises:enterprise_detail": needs("enterprises.view_enterprise"),
    "enterprises:visit_new": needs("enterprises.add_visit"),
    "enterprises:official_search": needs("enterprises.add_visit"),
    "enterprises:compliance": needs("enterprises.view_visit"),
    "enterprises:official_compliance": needs("enterprises.view_visit"),
    "problems:list": needs("enterprises.view_problem"),
    "problems:detail": needs("enterprises.view_problem"),
    "work_reports:board": needs("enterprises.view_workreport"),
    "work_reports:edit": needs("enterprises.view_workreport"),
    # The zone's records (cultivation, chain, finance, safety, parks, funding).
    # The index lists the records each user may open; the menu offers it to their readers.
    "zone:index": Rule(menu=needs("enterprises.view_cultivation")),
    "zone:cultivation_list": needs("enterprises.view_cultivation"),
    "zone:candidates_record": needs("enterprises.add_cultivation"),
    "zone:chain": RANKINGS,
    "zone:matchmaking_list": needs("enterprises.view_matchmaking"),
    "zone:loan_list": needs("enterprises.view_loan"),
    "zone:inspection_list": needs("enterprises.view_safetyinspection"),
    "zone:activity_list": needs("enterprises.view_safetyactivity"),
    "zone:factory_list": needs("enterprises.view_standardfactory"),
    "zone:facility_list": needs("enterprises.view_servicefacility"),
    "zone:investor_list": needs("enterprises.view_newinvestor"),
    "projects:funding_list": needs("projects.view_fundingapplication"),
    # Excel imports: the views check the kind's own add/change permissions.
    "imports:index": IMPORTERS,
    "imports:template": IMPORTERS,
    "imports:upload": IMPORTERS,
    "imports:confirm": IMPORTERS,
    # Projects.
    "projects:board": needs("projects.view_project"),
    "projects:analysis": needs("projects.view_project"),
    "projects:evaluations": needs("projects.view_projectevaluation"),
    "projects:detail": needs("projects.view_project"),
    # The sponsoring department and leader move the stage: the view asks can_edit_project.
    "projects:stage_move": needs("projects.view_project"),
    "projects:inspection_new": needs("projects.add_projectinspection"),
    "projects:report": needs("projects.view_project"),
}

# URL namespaces that guard themselves (staff status and model permissions; DRF's classes),
# with the rule links to them are judged by: without a role, nothing is open there.
SELF_GUARDED: dict[str, Rule] = {"admin": Rule(staff=True), "api": LOGGED_IN}
SELF_GUARDED_NAMESPACES = set(SELF_GUARDED)


def rule_for(view_name: str) -> Rule | None:
    """Return the rule of a page, or None when it has none (and is therefore closed)."""
    namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
    if namespace in SELF_GUARDED:
        return SELF_GUARDED[namespace]
    return PAGES.get(view_name)


def may_open(view_name: str, user) -> bool:
    """Return whether the user may open the page named ``view_name`` (for links)."""
    rule = rule_for(view_name)
    return rule is not None and rule.allows(user)


def may_offer(view_name: str, user) -> bool:
    """Return whether the menu offers the page named ``view_name`` to the user."""
    rule = rule_for(view_name)
    return rule is not None and rule.offers(user)


class AccessPolicyMiddleware:
    """Refuse a page to whoever its rule does not admit (login first for anonymous users)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or set(match.namespaces) & SELF_GUARDED_NAMESPACES:
            return None
        if _serves_files(view_func):
            return None
        rule = PAGES.get(match.view_name)
        if rule is not None and rule.allows(request.user):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not (request.user.is_superuser or get_scope(request.user).roles):
            raise PermissionDenied(NO_ROLE)
        raise PermissionDenied


def _serves_files(view_func) -> bool:
    # Uploaded media served by Django while debugging (django.views.static.serve).
    return getattr(view_func, "__module__", "") == "django.views.static"
