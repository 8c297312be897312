"""The routes under /live/: long-lived connections, served by the live process (config.asgi).

The reverse proxy sends /live/ to that process; config/urls.py mounts these routes too, so
reverse() knows them everywhere and `make run`'s dev server answers them on the same origin.
`events` is the creator's change feed (crm.views.live); `chat/<slug>/events` a chat visitor's
own stream (crm.views.chat_live).
"""

from django.urls import path

from core.observability.views import live_healthz
from crm.views import chat_live, live

urlpatterns = [
    path("healthz", live_healthz, name="live_healthz"),
    path("events", live.events, name="live_events"),
    path("chat/<str:slug>/events", chat_live.events, name="live_chat_events"),
]
