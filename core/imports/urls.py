"""URLs of the Excel import pages."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:kind>/template.xlsx", views.template, name="template"),
    path("<slug:kind>/", views.upload, name="upload"),
    path("<slug:kind>/confirm/", views.confirm, name="confirm"),
]
