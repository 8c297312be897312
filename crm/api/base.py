"""The bases of every creator-facing view of the two REST surfaces.

`CrmSurfaceView` (seed 000) and `V1SurfaceView` (seed 002) authenticate, resolve the requesting
creator once (`self.creator`), count writes against the creator's shared budget, and render every
error in the surface's format (core.api.views). On them, one thin declarative base per surface
for lists and objects: `CrmListView` / `CrmApiView` (seed 000) and `V1ListView` / `V1ApiView`
(seed 002) take the rows from a selector, filter them with a FilterSet and show them with a
serializer; crm's, screening's and every later app's endpoints are written on these.
"""

from django.conf import settings
from django_filters import BooleanFilter
from rest_framework import permissions
from rest_framework.response import Response

from core import ratelimit
from core.api import cursors, pages
from core.api.errors import RateLimited, crm_exception_handler, v1_exception_handler
from core.api.parsers import SafeJSONParser, json_object
from core.api.views import RateLimitHeadersMixin, SurfaceView, V1OptionsMixin, v1_ok
from core.exceptions import InvalidInput
from core.lookups import parse_id
from core.observability.context import bind_creator
from crm.teams import actor, policy

from .authentication import (
    ApiKeyAuthentication,
    CsrfSessionAuthentication,
    JWTCookieAuthentication,
    acting_member,
)


class IsSignedIn(permissions.BasePermission):
    """Authenticated; which creator the user may act for is resolved next (acting_member:
    staff without a creator or a membership get 403)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated)


def write_budget_key(member) -> str:
    """Whose own write budget a write spends: an API key's, or a login's within one creator."""
    if member.api_key is not None:
        return f"apikey:{member.api_key.pk}"
    return f"member:{member.creator.pk}:{member.user.pk}"


def creator_write_rate() -> str:
    """CREATOR_WRITE_RATE_LIMIT, by default five times WRITE_RATE_LIMIT in the same window."""
    if settings.CREATOR_WRITE_RATE_LIMIT:
        return settings.CREATOR_WRITE_RATE_LIMIT
    count, _slash, period = settings.WRITE_RATE_LIMIT.partition("/")
    return f"{int(count) * 5}/{period}"


def creator_write(request, member) -> ratelimit.Usage:
    """One write of `member` (both REST surfaces): their own budget (WRITE_RATE_LIMIT per login
    per creator, or per API key) and the creator's total (CREATOR_WRITE_RATE_LIMIT). The
    answer's headers are their own budget's, unless the creator's total is what refuses."""
    own = ratelimit.hit(request, group="member-writes", key=write_budget_key(member), rate=settings.WRITE_RATE_LIMIT)
    total = ratelimit.hit(request, group="creator-writes", key=f"creator:{member.creator.pk}", rate=creator_write_rate())
    return total if total.exceeded and not own.exceeded else own


class CreatorAPIView(RateLimitHeadersMixin, SurfaceView):
    """`self.member` (crm.teams.policy.Member) and `self.creator` are resolved once; each method
    the view serves names the policy action it needs in `policy_actions` (a method left out
    needs the owner's `team.owners`: forgetting to declare one never opens it to a chatter)."""

    permission_classes = [IsSignedIn]
    rate_limited = True
    policy_actions: dict[str, str] = {}

    def dispatch(self, request, *args, **kwargs):
        token = actor.set_current(None)  # restored whatever `initial` sets
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            actor.reset(token)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.member = acting_member(request)
        self.creator = self.member.creator
        actor.set_current(actor.from_member(self.member))  # who the writes record
        bind_creator(self.creator.pk)  # every log line of the request names it
        # A method the view does not serve is a 405, not a write: it spends no budget.
        serves_method = hasattr(self, request.method.lower())
        if serves_method and request.method != "OPTIONS":
            policy.require(self.member, self.policy_actions.get(request.method, policy.Action.TEAM_OWNERS))
        if self.rate_limited and request.method in ratelimit.WRITE_METHODS and serves_method:
            self.rate_limit_usage = creator_write(request, self.member)
            if self.rate_limit_usage.exceeded:
                raise RateLimited(self.rate_limit_usage)

    def require(self, action: str) -> None:
        """A check that depends on the request's body (e.g. a PATCH that only changes tags)."""
        policy.require(self.member, action)


class CrmSurfaceView(CreatorAPIView):
    """Seed 000: JWT (header or cookie) or session; errors as `{"error": ...}`."""

    authentication_classes = [JWTCookieAuthentication, CsrfSessionAuthentication]
    exception_handler = staticmethod(crm_exception_handler)


class V1SurfaceView(V1OptionsMixin, CreatorAPIView):
    """Seed 002: `pk_` API keys; `{"success": ..., "data": ...}` envelopes and errors."""

    authentication_classes = [ApiKeyAuthentication]
    exception_handler = staticmethod(v1_exception_handler)


# --- The declarative list and object views of both surfaces ---------------------------------
#
# A view declares where its rows come from (a selector taking the creator), how a request
# filters them (a FilterSet) and how they are shown (a serializer); the base does the rest in
# the surface's own way. Writes stay in the view: which service, called with what.

# Values a boolean filter understands (anything else is a 400, not a silently ignored filter).
BOOLEAN_PARAMS = frozenset({"", "true", "false", "True", "False", "1", "0"})


# (The bases below carry comments, not docstrings: a docstring would become the OpenAPI
# description of every operation of the views built on them.)


def filtered(filterset_class, data, queryset, **kwargs):
    """`queryset` filtered by `filterset_class` on `data` (both surfaces' lists): a value the
    FilterSet refuses is a 400 `"Invalid <filter>"`, not a filter silently dropped, and so is a
    boolean it would read as "no filter" (`?consent=maybe`)."""
    for name, filter_ in filterset_class.base_filters.items():
        value = data.get(name, "")
        if isinstance(filter_, BooleanFilter) and isinstance(value, str) and value not in BOOLEAN_PARAMS:
            raise InvalidInput(f"Invalid {name}", field=name)
    filterset = filterset_class(data, queryset=queryset, **kwargs)
    if not filterset.is_valid():
        field = next(iter(filterset.errors))
        raise InvalidInput(f"Invalid {field}", field=field)
    return filterset.qs


class CrmApiView(CrmSurfaceView):
    # Seed 000: JSON bodies only; answers `{"<item_key>": object}`.

    parser_classes = [SafeJSONParser]
    serializer_class = None
    item_key = ""

    def validated(self, serializer_class) -> dict:
        if not isinstance(self.request.data, dict):
            raise InvalidInput("Invalid JSON")
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def render(self, instance, *, many=False, serializer_class=None):
        context = {"user_id": self.creator.user_id}
        return (serializer_class or self.serializer_class)(instance, many=many, context=context).data

    def answer(self, instance, *, created: bool = False) -> Response:
        """`{"<item_key>": object}`: 201 for a new object, 200 otherwise."""
        return Response({self.item_key: self.render(instance)}, status=201 if created else 200)


class CrmListView(CrmApiView):
    # GET of a seed-000 list: `selector(creator=...)` filtered by `filterset_class`, in one of
    # `orderings` (`default_ordering` unless asked), keyset-paged as
    # `{"<list_key>": [...], "next_cursor": ...}`.

    selector = None
    filterset_class = None
    orderings: dict = {}
    default_ordering = "-id"
    list_key = ""

    def get_queryset(self):
        return type(self).selector(creator=self.creator)

    def filtered(self, queryset):
        if self.filterset_class is None:
            return queryset
        return filtered(self.filterset_class, self.request.query_params, queryset, **self.filterset_kwargs())

    def filterset_kwargs(self) -> dict:
        return {}

    def list(self) -> Response:
        queryset = self.filtered(self.get_queryset())
        rows, next_cursor = cursors.paginate(
            queryset, self.request.query_params, self.orderings, self.default_ordering
        )
        return Response({self.list_key: self.render(rows, many=True), "next_cursor": next_cursor})


class V1ApiView(V1SurfaceView):
    # Seed 002: answers `{"success": true, "data": ...}`; serializers get the creator in their context.

    serializer_class = None

    def validated(self, serializer_class=None, data=None) -> dict:
        serializer = (serializer_class or self.serializer_class)(
            data=json_object(self.request) if data is None else data
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def render(self, instance, *, many=False, serializer_class=None, **context):
        serializer_class = serializer_class or self.serializer_class
        return serializer_class(instance, many=many, context={"creator": self.creator, **context}).data

    def answer(self, instance, *, status: int = 200, many=False, serializer_class=None, **context) -> Response:
        data = self.render(instance, many=many, serializer_class=serializer_class, **context)
        return v1_ok(data, status=status)


class V1ListView(V1ApiView):
    # GET of a seed-002 list: `get_queryset()` (a selector's rows) filtered by `filterset_class`
    # with `filter_data(params)`, in `ordering`, one page/limit page whose rows `decorate`
    # completes, as `data` with `pagination`.

    selector = None
    filterset_class = None
    ordering: tuple[str, ...] = ("-id",)

    def get_queryset(self):
        return type(self).selector(creator=self.creator)

    def filter_data(self, params) -> dict:
        """The FilterSet's parameters from this list's documented query parameters."""
        return {}

    @staticmethod
    def id_param(params, name: str) -> int | None:
        """An optional id in the query string (`?interaction_id=`): None when absent, else a
        positive 64-bit integer or a 400 `"Invalid <name>"`."""
        if params.get(name, "") == "":
            return None
        row_id = parse_id(params[name])
        if row_id is None:
            raise InvalidInput(f"Invalid {name}", field=name)
        return row_id

    def filterset_kwargs(self) -> dict:
        return {}

    # What only the shown rows need (joins, prefetches, per-row counters), as a method
    # `decorate(self, rows)`: applied to the page's ids alone (core.api.pages.paginate).
    decorate = None

    def list(self) -> Response:
        queryset = self.get_queryset()
        if self.filterset_class is not None:
            data = self.filter_data(self.request.query_params)
            queryset = filtered(self.filterset_class, data, queryset, **self.filterset_kwargs())
        rows, pagination = pages.paginate(self.request, queryset.order_by(*self.ordering), decorate=self.decorate)
        return v1_ok(self.render(rows, many=True), pagination=pagination)
