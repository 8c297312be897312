"""Extension points: where the apps above crm add to its pages and admin without crm importing
them. Each registry is filled from the higher app's AppConfig.ready and read when a page or the
admin is built, in ascending `order` (see docs/architecture.md for who registers what).

    # screening/apps.py
    def ready(self):
        fan_page_sections.register("screening", FanPageSection(...), order=10)
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass


class Registry:
    """Entries kept in ascending `order`; registering a key again replaces its entry."""

    def __init__(self, name: str):
        self.name = name
        self._entries: dict[str, tuple[int, object]] = {}

    def register(self, key: str, entry, *, order: int) -> None:
        self._entries[key] = (order, entry)

    def __iter__(self) -> Iterator:
        return iter(entry for _order, entry in sorted(self._entries.values(), key=lambda item: item[0]))

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self._entries)}>"


@dataclass(frozen=True)
class FanPageSection:
    """A section of the fan page: a link in its section nav and a template rendered in its body.

    `context(fan, forms)` returns what the template needs; `forms` holds the page's forms that
    failed validation (keyword arguments of crm.views.fans.render_fan_page), to show their errors.
    `action`: the crm.teams.policy action a member needs to see the section (None: every role).
    """

    anchor: str
    title: str
    template: str
    context: Callable[..., dict]
    action: str | None = None


@dataclass(frozen=True)
class SettingsPanel:
    """A part of a section of the settings page (`section`: the section's id, e.g. "instagram");
    `context(request, creator)` returns what its template needs."""

    section: str
    template: str
    context: Callable[..., dict]


@dataclass(frozen=True)
class DeliveryTransport:
    """How outgoing messages of one platform leave: `enqueue(message_id)` hands a `queued`
    message to the app that speaks the platform (called after commit); `max_length` and
    `comment_max_length` are the platform's text limits; `sends_attachments` whether files go."""

    platform: str
    enqueue: Callable[[int], None]
    max_length: int
    comment_max_length: int
    sends_attachments: bool = False


fan_page_sections = Registry("fan page sections")
fan_admin_inlines = Registry("fan admin inlines")
fan_admin_actions = Registry("fan admin actions")
settings_panels = Registry("settings panels")
delivery_transports = Registry("delivery transports")
