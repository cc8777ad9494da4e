"""API v1 resources of the projects app: serializers and viewsets (routed in hengkou.api)."""
