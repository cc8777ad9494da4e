"""Template context shared by every page."""

from .navigation import navigation_for


def navigation(request):
    """Return the areas the current user may enter and their count of unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": navigation_for(user),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count,
    }
