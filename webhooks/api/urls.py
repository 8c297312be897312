from django.urls import path

from .views import InstagramWebhookView

urlpatterns = [
    path("instagram", InstagramWebhookView.as_view(), name="webhook-instagram"),
]
