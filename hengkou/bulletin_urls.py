"""URLs of the monthly bulletin (月通报)."""

from django.urls import path

from . import bulletin_views

app_name = "bulletin"
# The month is matched loosely and checked by the view, so a malformed one gets a friendly 404.
urlpatterns = [
    path("", bulletin_views.bulletin_index, name="index"),
    path("<str:period>.xlsx", bulletin_views.bulletin_xlsx, name="xlsx"),
    path("<str:period>.docx", bulletin_views.bulletin_docx, name="docx"),
    path("<str:period>.pdf", bulletin_views.bulletin_pdf, name="pdf"),
    path("<str:period>/", bulletin_views.bulletin_detail, name="detail"),
]
