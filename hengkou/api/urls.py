"""URLs of API v1."""

from django.urls import path
from rest_framework import routers

from enterprises.api import fact_views as enterprise_facts
from enterprises.api import views as enterprises
from enterprises.api import work_reports
from enterprises.api import zone_views as enterprise_zone
from projects.api import reviews as project_reviews
from projects.api import views as projects
from projects.api import zone_views as project_zone

from ..health import ping
from . import annual, quality, views
from .assessments import assessments
from .bulletins import BulletinViewSet
from .completeness import completeness
from .history import HistoryView
from .inspections import InspectionViewSet
from .notifications import NotificationViewSet
from .projections import projections
from .schema import DocsView, SchemaView

router = routers.DefaultRouter()
router.register("departments", enterprises.DepartmentViewSet)
router.register("officials", enterprises.OfficialViewSet)
router.register("enterprises", enterprises.EnterpriseViewSet)
router.register("assignments", enterprises.AssignmentViewSet)
router.register("targets", enterprises.TargetViewSet)
router.register("monthly-reports", enterprises.MonthlyReportViewSet)
router.register("visits", enterprises.VisitViewSet)
router.register("problems", enterprises.ProblemViewSet)
router.register("projects", projects.ProjectViewSet)
router.register("project-plans", projects.ProjectPlanViewSet)
router.register("project-reports", projects.ProjectReportViewSet)
router.register("supervision-notices", views.SupervisionNoticeViewSet)
router.register("cultivations", enterprise_zone.CultivationViewSet)
router.register("matchmakings", enterprise_zone.MatchmakingViewSet)
router.register("loans", enterprise_zone.LoanViewSet)
router.register("safety-inspections", enterprise_zone.SafetyInspectionViewSet)
router.register("safety-activities", enterprise_zone.SafetyActivityViewSet)
router.register("standard-factories", enterprise_zone.StandardFactoryViewSet)
router.register("service-facilities", enterprise_zone.ServiceFacilityViewSet)
router.register("new-investors", enterprise_zone.NewInvestorViewSet)
router.register("funding-applications", project_zone.FundingApplicationViewSet)
# The pages' actions (issue 20): work reports, inspections, project reviews.
router.register("work-reports", work_reports.WorkReportViewSet, basename="work-report")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register(
    "project-inspections", project_reviews.ProjectInspectionViewSet, basename="project-inspection"
)
router.register(
    "project-evaluations", project_reviews.ProjectEvaluationViewSet, basename="project-evaluation"
)
router.register("bulletins", BulletinViewSet, basename="bulletin")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("figure-flags", quality.FigureFlagViewSet)
router.register("annual-plans", annual.AnnualPlanViewSet)
router.register("year-turns", annual.YearTurnViewSet)
router.register("year-turn-assignments", annual.DraftAssignmentViewSet)
router.register("year-turn-targets", annual.DraftTargetViewSet)
router.register("milestones", enterprise_facts.MilestoneViewSet)
router.register("promotion-events", enterprise_facts.PromotionEventViewSet)
router.register("chain-years", enterprise_facts.ChainYearViewSet)
router.register("zone-standings", enterprise_facts.ZoneStandingViewSet)

app_name = "api"
urlpatterns = [
    path("rankings/", views.rankings, name="rankings"),
    path("rankings/<int:department>/members/", views.ranking_members, name="ranking-members"),
    path("zone-stats/", views.zone_stats, name="zone-stats"),
    path("visit-compliance/", views.visit_compliance, name="visit-compliance"),
    path("chain-stats/", enterprises.chain_stats, name="chain-stats"),
    path("assessments/", assessments, name="assessments"),
    path("completeness/", completeness, name="completeness"),
    path("projections/", projections, name="projections"),
    path("data-quality/", quality.data_quality, name="data-quality"),
    path("periods/<str:period>/close/", views.ClosePeriodView.as_view(), name="period-close"),
    path("periods/<str:period>/reopen/", views.ReopenPeriodView.as_view(), name="period-reopen"),
    path("history/", HistoryView.as_view(), name="history"),
    path("ping/", ping, name="ping"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    *router.urls,
]
