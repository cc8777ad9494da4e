"""Template context shared by every page."""

from .navigation import current_area_url, navigation_for


def navigation(request):
    """Return the areas the current user may enter, the one open now and the unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = navigation_for(user)
    return {
        "nav_items": items,
        "nav_current": current_area_url(request.path, items),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count,
    }
