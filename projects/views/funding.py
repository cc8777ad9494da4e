"""The funding applications page (项目资金争取): a year's applications and their totals."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.exports import attr
from core.views import ListColumn, ObjectListView
from enterprises.views.zone import display_of, enterprise_url

from ..filtersets import FundingApplicationFilterSet
from ..selectors.funding import funding_totals, list_funding_applications


def project_url(row) -> str | None:
    return reverse("projects:detail", args=[row.project_id]) if row.project_id else None


class FundingListView(ObjectListView):
    """The year's applications to special funds: requested, approved and received."""

    permission_required = "projects.view_fundingapplication"
    title = _("Funding applications")
    description = _("Applications to special funds by project or enterprise, in 10k CNY.")
    filename = "funding"
    template_name = "projects/funding_list.html"
    filterset_class = FundingApplicationFilterSet
    columns = [
        ListColumn(_("Programme"), attr("programme")),
        ListColumn(_("Project"), attr("project.name"), link=project_url),
        ListColumn(_("Enterprise"), attr("enterprise.name"), link=enterprise_url("enterprise")),
        ListColumn(_("Status"), display_of("status")),
        ListColumn(_("Applied on"), attr("applied_on")),
        ListColumn(_("Requested (10k CNY)"), attr("requested"), numeric=True),
        ListColumn(_("Approved (10k CNY)"), attr("approved"), numeric=True),
        ListColumn(_("Received (10k CNY)"), attr("received"), numeric=True),
    ]

    def get_queryset(self):
        return list_funding_applications()

    def get_totals(self, queryset):
        return funding_totals(queryset)


funding_list = FundingListView.as_view()
