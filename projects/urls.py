"""URLs of the projects pages, mounted at /projects/."""

from django.urls import path

from . import funding_views, views

app_name = "projects"
# The month of a report is matched loosely and checked by the view, so a malformed one gets a 404.
urlpatterns = [
    path("", views.board, name="board"),
    path("analysis/", views.analysis, name="analysis"),
    path("evaluations/", views.evaluations, name="evaluations"),
    path("funding/", funding_views.funding_list, name="funding_list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/stage/", views.stage_move, name="stage_move"),
    path("<int:pk>/inspections/", views.inspection_new, name="inspection_new"),
    path("<int:pk>/reports/<str:period>/", views.report, name="report"),
]
