"""URLs of the work reports (工作开展情况) pages."""

app_name = "work_reports"
urlpatterns = []
