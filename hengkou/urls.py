"""URLs of the site."""

from django.conf import settings
from django.conf.urls.static import static as serve_files
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from enterprises import urls as enterprise_urls

from . import health
from .views import (
    assessment,
    dashboard,
    drilldown,
    inspections,
    notices,
    offline,
    quality,
    site,
)

urlpatterns = [
    path("", site.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/ranking.xlsx", dashboard.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboard/close/", dashboard.dashboard_close, name="dashboard_close"),
    path(
        "dashboard/departments/<int:department>/",
        drilldown.department_members,
        name="department_members",
    ),
    path("dashboard/reopen/", dashboard.dashboard_reopen, name="dashboard_reopen"),
    path("assessment/", assessment.assessment, name="assessment"),
    path("data-quality/", quality.data_quality, name="data_quality"),
    path(
        "data-quality/flags/<int:pk>/explain/",
        quality.data_quality_explain,
        name="data_quality_explain",
    ),
    path("inspections/", inspections.inspection_list, name="inspection_list"),
    path("notices/", notices.notice_list, name="notice_list"),
    path("notifications/", site.notification_list, name="notification_list"),
    path("notifications/<int:pk>/", site.notification_open, name="notification_open"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("bulletin/", include("hengkou.bulletin.urls")),
    path("problems/", include((enterprise_urls.problem_patterns, "problems"))),
    path("projects/", include("projects.urls")),
    path("overview/", include("hengkou.overview.urls")),
    path("year/", include("hengkou.annual.urls")),
    path("zone/", include((enterprise_urls.zone_patterns, "zone"))),
    path("work-reports/", include((enterprise_urls.work_report_patterns, "work_reports"))),
    path("imports/", include("core.imports.urls")),
    path("", include("enterprises.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hengkou.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", site.favicon, name="favicon"),
    # At the root, so that the service worker's scope is the whole site.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("offline/", offline.offline_page, name="offline_page"),
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
]

# Uploaded photos: served by Django only while debugging; nginx or object storage otherwise.
urlpatterns += serve_files(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# An unexpected error: 503 while the database is away, else a plain 500 (hengkou/errors.py).
handler404 = "hengkou.errors.not_found"
handler500 = "hengkou.errors.server_error"
