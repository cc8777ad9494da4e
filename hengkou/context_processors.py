"""Template context shared by every page."""

from .navigation import areas_for


def navigation(request):
    """Return the areas the current user may enter, for the navigation bar."""
    user = getattr(request, "user", None)
    return {"nav_areas": areas_for(user) if user is not None else []}
