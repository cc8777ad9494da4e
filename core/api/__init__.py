"""What every API endpoint shares below the apps.

``http`` is what crosses the wire (the one JSON object a body may be, plain numbers, the browsable
page), ``views`` the scoped viewset, its permissions and documented errors, ``serializers`` the
write serializer that validates with the model and the month field.
"""
