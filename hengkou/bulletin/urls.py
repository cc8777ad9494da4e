"""URLs of the monthly bulletin (月通报)."""

from django.urls import path

from . import views

app_name = "bulletin"
# The month is matched loosely and checked by the view, so a malformed one gets a friendly 404.
urlpatterns = [
    path("", views.bulletin_index, name="index"),
    path("<str:period>.xlsx", views.bulletin_xlsx, name="xlsx"),
    path("<str:period>.docx", views.bulletin_docx, name="docx"),
    path("<str:period>.pdf", views.bulletin_pdf, name="pdf"),
    path("<str:period>/", views.bulletin_detail, name="detail"),
]
