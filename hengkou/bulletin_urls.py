"""URLs of the monthly bulletin (月通报)."""

app_name = "bulletin"
urlpatterns = []
