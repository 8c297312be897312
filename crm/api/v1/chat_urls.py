from django.urls import path

from .chat_views import ChatFileView, ChatMessagesView, ChatStartView

urlpatterns = [
    path("start", ChatStartView.as_view(), name="chat-start"),
    path("messages", ChatMessagesView.as_view(), name="chat-messages"),
    path("files/<str:file_id>", ChatFileView.as_view(), name="chat-file"),
]
