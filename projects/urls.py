"""URLs of the projects pages, mounted at /projects/."""

from django.urls import path

from .views import analysis, evaluation, funding, pipeline, project, report

app_name = "projects"
# The month of a report is matched loosely and checked by the view, so a malformed one gets a 404.
urlpatterns = [
    path("", pipeline.board, name="board"),
    path("analysis/", analysis.analysis, name="analysis"),
    path("evaluations/", evaluation.evaluations, name="evaluations"),
    path("funding/", funding.funding_list, name="funding_list"),
    path("<int:pk>/", project.detail, name="detail"),
    path("<int:pk>/stage/", project.stage_move, name="stage_move"),
    path("<int:pk>/inspections/", project.inspection_new, name="inspection_new"),
    path("<int:pk>/reports/<str:period>/", report.report, name="report"),
]
