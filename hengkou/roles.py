"""The roles of the site, as Django groups, and the permissions each one holds.

Deny by default: a user holds only what their roles grant. Row-level scoping (a department
sees its own) comes on top of these permissions.
"""

from django.utils.translation import gettext_lazy as _

DOMAIN_APPS = ("enterprises", "projects", "hengkou")
READ_ALL = "view_*"

ROLES = {
    "administrator": {
        "label": _("Administrator"),
        "permissions": ["*"],
    },
    "economic_bureau": {
        "label": _("Economic bureau"),
        "permissions": [
            READ_ALL,
            "enterprises.add_monthlyreport",
            "enterprises.change_monthlyreport",
            "enterprises.add_target",
            "enterprises.change_target",
            "projects.add_projectreport",
            "projects.change_projectreport",
            "projects.add_projectplan",
            "projects.change_projectplan",
            "enterprises.close_period",
            # The leading office's turn of the year and the annual work plan.
            "hengkou.add_yearturn",
            "hengkou.delete_yearturn",
            "hengkou.confirm_yearturn",
            "hengkou.add_draftassignment",
            "hengkou.change_draftassignment",
            "hengkou.delete_draftassignment",
            "hengkou.add_drafttarget",
            "hengkou.change_drafttarget",
            "hengkou.delete_drafttarget",
            "hengkou.add_annualplan",
            "hengkou.change_annualplan",
            "hengkou.delete_annualplan",
            "hengkou.add_plangoal",
            "hengkou.change_plangoal",
            "hengkou.delete_plangoal",
            # The zone's standing in the city: the bureau that closes the month enters it, with
            # the zone's other facts (milestones, fairs, the chains by year), by hand or import.
            "enterprises.add_zonestanding",
            "enterprises.change_zonestanding",
            "enterprises.add_milestone",
            "enterprises.change_milestone",
            "enterprises.add_promotionevent",
            "enterprises.change_promotionevent",
            "enterprises.add_chainyear",
            "enterprises.change_chainyear",
            # Where departments and leaders receive their messages (WeCom, DingTalk, webhooks).
            "hengkou.add_deliverychannel",
            "hengkou.change_deliverychannel",
            "hengkou.delete_deliverychannel",
        ],
    },
    "supervision_office": {
        "label": _("Supervision office"),
        "permissions": [
            READ_ALL,
            "hengkou.close_supervisionnotice",
            "hengkou.add_inspection",
            "hengkou.change_inspection",
            "projects.add_projectinspection",
            "projects.confirm_projectevaluation",
        ],
    },
    "department_user": {
        "label": _("Department user"),
        "permissions": [
            "enterprises.view_enterprise",
            "enterprises.view_assignment",
            "enterprises.view_monthlyreport",
            "enterprises.add_monthlyreport",
            "enterprises.change_monthlyreport",
            "enterprises.view_figureflag",
            "enterprises.view_visit",
            "enterprises.add_visit",
            "enterprises.view_problem",
            "enterprises.add_problem",
            "enterprises.change_problem",
            "enterprises.add_workreport",
            "enterprises.change_workreport",
            "enterprises.view_workreport",
            "hengkou.view_supervisionnotice",
            "hengkou.respond_supervisionnotice",
            "projects.view_project",
            # The reports the project page shows them, read through the API too (scoped).
            "projects.view_projectreport",
            "projects.add_projectreport",
            "projects.change_projectreport",
        ],
    },
    "official": {
        "label": _("Official"),
        "permissions": [
            "enterprises.view_enterprise",
            "enterprises.view_assignment",
            "enterprises.view_visit",
            "enterprises.add_visit",
            "enterprises.view_problem",
            "enterprises.add_problem",
        ],
    },
    "county_leader": {
        "label": _("County leader"),
        "permissions": [
            "enterprises.view_enterprise",
            "enterprises.view_assignment",
            "enterprises.view_visit",
            "enterprises.view_problem",
            "hengkou.view_rankingsnapshot",
            "hengkou.view_annualplan",
            "projects.view_project",
            # The zone's facts the overview and the chain page show them.
            "enterprises.view_milestone",
            "enterprises.view_promotionevent",
            "enterprises.view_chainyear",
            "enterprises.view_zonestanding",
        ],
    },
}


# The roles whose people work in the admin (clerks entering and correcting records): staff.
STAFF_ROLES = frozenset({"administrator", "economic_bureau", "department_user"})


def is_staff_for(role_names) -> bool:
    """Return whether holding ``role_names`` makes a user staff (able to open the admin)."""
    return bool(STAFF_ROLES & set(role_names))


def permissions_for(role: str, permission_model):
    """Return the Permission rows a role holds (``permission_model`` may be a historical one)."""
    wanted = ROLES[role]["permissions"]
    domain = permission_model.objects.filter(content_type__app_label__in=DOMAIN_APPS)
    if "*" in wanted:
        return list(permission_model.objects.all())
    chosen = []
    if READ_ALL in wanted:
        chosen.extend(domain.filter(codename__startswith="view_"))
    for name in wanted:
        if name == READ_ALL:
            continue
        app_label, codename = name.split(".")
        chosen.extend(
            permission_model.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return chosen


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its permissions (idempotent)."""
    for role in ROLES:
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set(permissions_for(role, permission_model))
