"""URLs of the Excel import pages."""

from django.urls import path

from . import import_views

app_name = "imports"
urlpatterns = [
    path("", import_views.index, name="index"),
    path("<slug:kind>/template.xlsx", import_views.template, name="template"),
    path("<slug:kind>/", import_views.upload, name="upload"),
    path("<slug:kind>/confirm/", import_views.confirm, name="confirm"),
]
