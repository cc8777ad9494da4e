"""The frame of the site: the home page that routes each user, the icon, the notifications."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.exports import Column, attr, wants_xlsx, xlsx_response
from core.scoping import get_scope
from enterprises.models import Official

from ..navigation import areas_for
from ..services.notifications import mark_notification_read

NOTIFICATION_COLUMNS = [
    Column(capfirst(gettext_lazy("title")), attr("title")),
    Column(capfirst(gettext_lazy("created at")), attr("created_at")),
    Column(capfirst(gettext_lazy("message")), attr("body")),
    Column(
        capfirst(gettext_lazy("attached files")),
        lambda notification: "、".join(
            str(item.get("label", "")) for item in notification.attachments or []
        ),
    ),
    Column(capfirst(gettext_lazy("read at")), attr("read_at")),
]


def favicon(request):
    """Send browsers asking for /favicon.ico to the site's icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_required
def home(request):
    """Show the areas the user works in; an official (that role alone) lands on /my/."""
    if get_scope(request.user).roles == {"official"}:
        return redirect("enterprises:my_enterprises")
    official = Official.objects.select_related("department").filter(user=request.user).first()
    return render(
        request,
        "hengkou/home.html",
        {"areas": areas_for(request.user), "official": official},
    )


@login_required
def notification_list(request):
    """List the user's notifications, newest first, unread ones highlighted."""
    notifications = request.user.notifications.order_by("-created_at", "-id")
    if wants_xlsx(request):
        return xlsx_response(
            title=_("Notifications"),
            filename=f"{_('Notifications')}-{timezone.localdate():%Y-%m-%d}",
            columns=NOTIFICATION_COLUMNS,
            rows=notifications,
        )
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    return render(request, "hengkou/notification_list.html", {"page": page, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk):
    """Show a notification (GET changes nothing); POST marks it read and goes to its link.

    The API counterpart is ``POST notifications/{id}/read/``.
    """
    notification = get_object_or_404(request.user.notifications, pk=pk)
    if request.method == "POST":
        mark_notification_read(notification=notification, now=timezone.now())
        return redirect(notification.url or "notification_list")
    return render(request, "hengkou/notification_detail.html", {"notification": notification})
