"""URLs of the problems (企业诉求) pages."""

app_name = "problems"
urlpatterns = []
