"""URLs of the officials' pages: my enterprises, visits, enterprise pages, duty compliance."""

from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("my/", views.my_enterprises, name="my_enterprises"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("officials/search/", views.official_search, name="official_search"),
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/officials/<int:official_id>/", views.compliance, name="official_compliance"),
]
