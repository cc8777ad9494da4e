"""URLs of the officials' pages: my enterprises, visits, enterprise pages, duty compliance."""

app_name = "enterprises"
urlpatterns = []
