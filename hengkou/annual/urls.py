"""URLs of the year's plan and the turn of the year."""

from django.urls import path

from . import views

app_name = "annual"
urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("turn/", views.turn, name="turn"),
    path("turn/<int:turn_pk>/drafts/<int:pk>/", views.draft, name="draft"),
]
