"""URLs of the problems (企业诉求) pages."""

from django.urls import path

from . import problem_views

app_name = "problems"
urlpatterns = [
    path("", problem_views.problem_list, name="list"),
    path("<int:pk>/", problem_views.problem_detail, name="detail"),
]
