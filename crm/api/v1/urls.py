"""Routes of /api/v1 (seed 002), without the screening ones (screening/api/urls.py).

No catch-all here: an unmatched /api/v1 path falls through every include to handler404 (and,
under DEBUG, ApiErrorMiddleware), which answer in the v1 envelope.
"""

from django.urls import path

from . import campaign_views, transaction_views, views
from . import messaging_views as messaging

app_name = "api_v1"

urlpatterns = [
    path("auth/generate-key", views.GenerateKeyView.as_view(), name="generate-key"),
    path("auth/revoke-key", views.RevokeKeyView.as_view(), name="revoke-key"),
    path("clients", views.ClientListView.as_view(), name="clients"),
    path("clients/<str:interaction_id>", views.ClientDetailView.as_view(), name="client"),
    path("notes/<str:interaction_id>", views.NotesView.as_view(), name="notes"),
    path("conversations", messaging.ConversationListView.as_view(), name="conversations"),
    path(
        "conversations/<str:conversation_id>", messaging.ConversationDetailView.as_view(), name="conversation"
    ),
    path(
        "conversations/<str:conversation_id>/archive",
        messaging.ConversationArchiveView.as_view(),
        name="conversation-archive",
    ),
    path(
        "conversations/<str:conversation_id>/tags",
        messaging.ConversationTagsView.as_view(),
        name="conversation-tags",
    ),
    path(
        "conversations/<str:conversation_id>/assignee",
        messaging.ConversationAssigneeView.as_view(),
        name="conversation-assignee",
    ),
    path(
        "conversations/<str:conversation_id>/read",
        messaging.ConversationReadView.as_view(),
        name="conversation-read",
    ),
    path("messages", messaging.MessageListView.as_view(), name="messages"),
    path("messages/<str:message_id>", messaging.MessageDetailView.as_view(), name="message"),
    path("files", messaging.FileListView.as_view(), name="files"),
    path("files/<str:message_id>", messaging.FileDetailView.as_view(), name="file"),
    path("files/<str:message_id>/download", messaging.FileDownloadView.as_view(), name="file-download"),
    # Extensions (docs/api-v1.md): the ledger, and scheduled messages until they are sent.
    path("transactions", transaction_views.TransactionListView.as_view(), name="transactions"),
    path("scheduled-messages", campaign_views.ScheduledMessageListView.as_view(), name="scheduled-messages"),
    path(
        "scheduled-messages/<str:scheduled_id>",
        campaign_views.ScheduledMessageDetailView.as_view(),
        name="scheduled-message",
    ),
]
