"""API v1 resources of the enterprises app: serializers and viewsets (routed in hengkou.api)."""
