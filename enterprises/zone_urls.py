"""URLs of the zone's record lists and the industry chain, mounted at /zone/."""

from django.urls import path

from . import zone_views

app_name = "zone"
urlpatterns = [
    path("", zone_views.index, name="index"),
    path("cultivation/", zone_views.CultivationListView.as_view(), name="cultivation_list"),
    path("cultivation/candidates/", zone_views.candidates_record, name="candidates_record"),
    path("chain/", zone_views.chain, name="chain"),
    path("matchmakings/", zone_views.MatchmakingListView.as_view(), name="matchmaking_list"),
    path("loans/", zone_views.LoanListView.as_view(), name="loan_list"),
    path(
        "safety/inspections/",
        zone_views.SafetyInspectionListView.as_view(),
        name="inspection_list",
    ),
    path("safety/activities/", zone_views.SafetyActivityListView.as_view(), name="activity_list"),
    path("factories/", zone_views.StandardFactoryListView.as_view(), name="factory_list"),
    path("facilities/", zone_views.ServiceFacilityListView.as_view(), name="facility_list"),
    path("new-investors/", zone_views.NewInvestorListView.as_view(), name="investor_list"),
]
