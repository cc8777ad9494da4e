"""Views of the site frame: the home page that routes each user to their work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from enterprises.models import Official

from .navigation import areas_for


@login_required
def home(request):
    """Show the areas the user works in, and who they are in the sponsorship."""
    official = Official.objects.select_related("department").filter(user=request.user).first()
    return render(
        request,
        "hengkou/home.html",
        {"areas": areas_for(request.user), "official": official},
    )
