"""The REST API root; resources register on this router as they are delivered."""

from rest_framework import routers

router = routers.DefaultRouter()
