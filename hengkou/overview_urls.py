"""URLs of the zone's annual overview."""

from django.urls import path

from . import overview_views

app_name = "overview"
urlpatterns = [
    path("", overview_views.overview, name="overview"),
]
