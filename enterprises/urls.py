"""URLs of the enterprises app's pages, one list per namespace, each included by hengkou/urls.py.

``urlpatterns`` (namespace ``enterprises``): my enterprises, visits, enterprise pages, duty
compliance; ``problem_patterns`` (``problems``, at /problems/); ``work_report_patterns``
(``work_reports``, at /work-reports/); ``zone_patterns`` (``zone``, at /zone/): the zone's record
lists and the industry chain.
"""

from django.urls import path

from .views import chain, compliance, enterprise, my, problems, visits, work_reports, zone

app_name = "enterprises"
urlpatterns = [
    path("my/", my.my_enterprises, name="my_enterprises"),
    path("enterprises/<int:pk>/", enterprise.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/visits/new/", visits.visit_new, name="visit_new"),
    path("officials/search/", visits.official_search, name="official_search"),
    path("compliance/", compliance.compliance, name="compliance"),
    path(
        "compliance/officials/<int:official_id>/",
        compliance.compliance,
        name="official_compliance",
    ),
]

problem_patterns = [
    path("", problems.problem_list, name="list"),
    path("<int:pk>/", problems.problem_detail, name="detail"),
]

work_report_patterns = [
    path("", work_reports.board, name="board"),
    path("<int:assignment_id>/<str:period>/", work_reports.edit, name="edit"),
]

zone_patterns = [
    path("", zone.index, name="index"),
    path("cultivation/", zone.CultivationListView.as_view(), name="cultivation_list"),
    path("cultivation/candidates/", zone.candidates_record, name="candidates_record"),
    path("chain/", chain.chain, name="chain"),
    path("matchmakings/", zone.MatchmakingListView.as_view(), name="matchmaking_list"),
    path("loans/", zone.LoanListView.as_view(), name="loan_list"),
    path("safety/inspections/", zone.SafetyInspectionListView.as_view(), name="inspection_list"),
    path("safety/activities/", zone.SafetyActivityListView.as_view(), name="activity_list"),
    path("factories/", zone.StandardFactoryListView.as_view(), name="factory_list"),
    path("facilities/", zone.ServiceFacilityListView.as_view(), name="facility_list"),
    path("new-investors/", zone.NewInvestorListView.as_view(), name="investor_list"),
]
