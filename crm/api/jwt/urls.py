"""Routes of the seed-000 surface (mounted at /api/): auth, CRM, and the OpenAPI schema + UI."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import auth_views, campaign_views, views

urlpatterns = [
    path("auth/login", auth_views.LoginView.as_view(), name="api-auth-login"),
    path("auth/refresh", auth_views.RefreshView.as_view(), name="api-auth-refresh"),
    path("auth/logout", auth_views.LogoutView.as_view(), name="api-auth-logout"),
    path("auth/token", auth_views.TokenView.as_view(), name="api-auth-token"),
    path("crm/fans", views.FanListView.as_view(), name="api-crm-fans"),
    path("crm/fans/<str:fan_id>", views.FanDetailView.as_view(), name="api-crm-fan"),
    path("crm/conversations", views.ConversationListView.as_view(), name="api-crm-conversations"),
    path(
        "crm/conversations/<str:conversation_id>",
        views.ConversationDetailView.as_view(),
        name="api-crm-conversation",
    ),
    path(
        "crm/conversations/<str:conversation_id>/messages",
        views.ConversationMessagesView.as_view(),
        name="api-crm-conversation-messages",
    ),
    path("crm/transactions", views.TransactionListView.as_view(), name="api-crm-transactions"),
    path(
        "crm/scheduled-messages", campaign_views.ScheduledMessageListView.as_view(), name="api-crm-scheduled-messages"
    ),
    path(
        "crm/scheduled-messages/<str:scheduled_id>",
        campaign_views.ScheduledMessageDetailView.as_view(),
        name="api-crm-scheduled-message",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view: its init script is a request of its own, so the page runs under the CSP.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]
