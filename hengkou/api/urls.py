"""URLs of API v1."""

from django.urls import path
from rest_framework import routers

from . import views

router = routers.DefaultRouter()
router.register("supervision-notices", views.SupervisionNoticeViewSet)

app_name = "api"
urlpatterns = [
    path("rankings/", views.rankings, name="rankings"),
    path("zone-stats/", views.zone_stats, name="zone-stats"),
    path("visit-compliance/", views.visit_compliance, name="visit-compliance"),
    path("periods/<str:period>/close/", views.ClosePeriodView.as_view(), name="period-close"),
    path("periods/<str:period>/reopen/", views.ReopenPeriodView.as_view(), name="period-reopen"),
    *router.urls,
]
