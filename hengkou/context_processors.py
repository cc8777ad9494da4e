"""Template context shared by every page."""

from .navigation import current_area_url, navigation_for


def navigation(request):
    """Return the areas the current user may enter, the one open now, the unread count, and
    whether the pages are the officials' installable app."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = navigation_for(user)
    return {
        "nav_items": items,
        # Who logs visits (administrators aside) gets the installable app that works offline.
        "offline_app": not user.is_superuser and user.has_perm("enterprises.add_visit"),
        "nav_current": current_area_url(request.path, items),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count,
    }
