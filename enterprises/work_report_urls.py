"""URLs of the work reports (工作开展情况) pages."""

from django.urls import path

from . import work_report_views

app_name = "work_reports"
urlpatterns = [
    path("", work_report_views.board, name="board"),
    path("<int:assignment_id>/<str:period>/", work_report_views.edit, name="edit"),
]
