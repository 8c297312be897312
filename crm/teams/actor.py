"""Who is acting in this request, for the writes that record it (a message's sender, the
audit log): set by the creator pages and the REST bases once the member is resolved, by
`ActorMiddleware` for any other signed-in request (the admin's staff), empty for commands,
webhooks and tasks (the platform or the system). A context variable, so services need no
extra argument from every door and none can forget it."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Actor:
    user: object = None  # a login (maybe lazy) or None
    api_key: object = None

    @property
    def user_id(self) -> int | None:
        user = self.user
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return user.pk

    @property
    def name(self) -> str:
        if self.api_key is not None:
            return self.api_key.name
        return (self.user.email or self.user.get_username()) if self.user_id is not None else ""


_current: ContextVar[Actor | None] = ContextVar("crm_actor", default=None)


def current() -> Actor | None:
    return _current.get()


def from_member(member) -> Actor:
    if member.api_key is not None:
        return Actor(api_key=member.api_key)
    return Actor(user=member.user)


def set_current(actor: Actor | None):
    return _current.set(actor)


def reset(token) -> None:
    _current.reset(token)


@contextmanager
def acting_as(actor: Actor | None):
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)


class ActorMiddleware:
    """Any signed-in request acts as its login until a view names the member (lazy: the user
    is loaded only if a write records it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a session can sign this request in here (the APIs' own authentication is the
        # views'): without its cookie, nobody — and the session is never loaded for nothing.
        signed_in_by_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        token = _current.set(Actor(user=getattr(request, "user", None)) if signed_in_by_session else None)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
