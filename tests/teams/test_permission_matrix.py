"""The permission matrix, route by route: every page and seed-000 route × every role.

Each route names the policy action it needs (crm.teams.policy); a role allowed that action gets
an answer that is not a refusal, a role without it gets 403 on every surface (the page's 403,
`{"error": "Forbidden"}`) and nothing changes. The /api/v1 surface acts as the owner (API keys),
proven in test_api_keys_act_as_the_owner.
"""

import json
from dataclasses import dataclass

import pytest

from crm.models import (
    ApiKey,
    Conversation,
    Fan,
    Invitation,
    Membership,
    Message,
    PlatformAccount,
    ScheduledMessage,
    Transaction,
)
from crm.teams.policy import MATRIX, Action
from screening.models import ScreeningFile, ScreeningMethod
from tests.pages.test_inbox import png_upload

from .conftest import api_client_for, page_client_for

pytestmark = pytest.mark.django_db

ROLES = ("owner", "manager", "chatter")
ANY = None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    action: str | None
    body: dict | None = None

    def __str__(self):
        suffix = f" {sorted(self.body)}" if self.body else ""
        return f"{self.method} {self.path}{suffix}"


PROFILE = {"platform": "direct", "screening_status": "pending", "client_category": "unscreened", "subscription_status": "none"}

PAGE_ROUTES = [
    Route("GET", "/fans/", Action.FANS_READ),
    Route("GET", "/fans/new/", Action.FANS_WRITE),
    Route("POST", "/fans/new/", Action.FANS_WRITE, {**PROFILE, "name": "New fan"}),
    Route("GET", "/fans/{fan}/", Action.FANS_READ),
    Route("POST", "/fans/{fan}/edit", Action.FANS_WRITE, {**PROFILE, "name": "Renamed"}),
    Route("POST", "/fans/{fan}/notes", Action.FANS_NOTES, {"notes": "new notes"}),
    Route("POST", "/fans/{fan}/tags", Action.FANS_TAG, {"tags": "vip, regular"}),
    Route("POST", "/fans/{fan}/transactions", Action.MONEY_RECORD, {"kind": "tip", "amount": "5.00"}),
    Route("POST", "/fans/{fan}/conversations", Action.INBOX_REPLY),
    Route("GET", "/fans/{fan}/delete", Action.FANS_DELETE),
    Route("POST", "/fans/{fan}/delete", Action.FANS_DELETE),
    Route("GET", "/inbox/", Action.INBOX_READ),
    Route("GET", "/inbox/{conversation}/", Action.INBOX_READ),
    Route("POST", "/inbox/{conversation}/send", Action.INBOX_REPLY, {"text": "hello"}),
    Route("POST", "/inbox/{conversation}/archive", Action.INBOX_ARCHIVE, {"archived": "1"}),
    Route("POST", "/inbox/{conversation}/tags", Action.INBOX_TAG, {"tags": "vip"}),
    Route("GET", "/inbox/{conversation}/messages/{message}/attachment", Action.INBOX_READ),
    Route("POST", "/inbox/{conversation}/assign", Action.INBOX_ASSIGN_SELF, {"assignee": ""}),
    Route("GET", "/settings/", ANY),
    Route("POST", "/settings/api-keys", Action.API_KEYS, {"name": "tool"}),
    Route("POST", "/settings/api-keys/{key}/revoke", Action.API_KEYS),
    Route("POST", "/settings/instagram", Action.PLATFORMS, {"external_account_id": "123456", "username": "ig"}),
    Route("POST", "/settings/instagram/{account}/disconnect", Action.PLATFORMS),
    Route("GET", "/dashboard/", Action.REVENUE_READ),
    Route("GET", "/campaigns/", Action.CAMPAIGNS),
    Route("GET", "/campaigns/mass/new", Action.CAMPAIGNS),
    Route("POST", "/campaigns/segments", Action.CAMPAIGNS, {"name": "Whales", "spend_min": "10000"}),
    Route("GET", "/team/", Action.TEAM_READ),
    Route("GET", "/team/audit", Action.AUDIT_READ),
    Route("POST", "/team/invite", Action.TEAM_MANAGE, {"email": "new@example.com", "role": "chatter"}),
    Route("POST", "/team/invitations/{invitation}/revoke", Action.TEAM_MANAGE),
    Route("POST", "/team/members/{member}/role", Action.TEAM_MANAGE, {"role": "manager"}),
    Route("POST", "/team/members/{member}/active", Action.TEAM_MANAGE, {"active": "0"}),
    Route("POST", "/team/members/{member}/remove", Action.TEAM_MANAGE),
    Route("POST", "/fans/{fan}/screening/methods", Action.SCREENING_WRITE, {"method_type": "references", "status": "pending"}),
    Route("POST", "/fans/{fan}/screening/methods/{method}", Action.SCREENING_WRITE, {"method_type": "references", "status": "completed"}),
    Route("POST", "/fans/{fan}/screening/methods/{method}/delete", Action.SCREENING_WRITE),
    Route("POST", "/fans/{fan}/screening/files", Action.SCREENING_WRITE, {"file": "PNG"}),
    Route("GET", "/fans/{fan}/screening/files/{file}/download", Action.SCREENING_READ),
    Route("POST", "/fans/{fan}/screening/files/{file}/delete", Action.SCREENING_WRITE),
    Route("POST", "/fans/{fan}/screening/decision", Action.SCREENING_WRITE, {"status": "approved"}),
]

API_ROUTES = [
    Route("GET", "/api/crm/fans", Action.FANS_READ),
    Route("POST", "/api/crm/fans", Action.FANS_WRITE, {"name": "New", "platform": "onlyfans", "platform_id": "new-1"}),
    Route("GET", "/api/crm/fans/{fan}", Action.FANS_READ),
    Route("PATCH", "/api/crm/fans/{fan}", Action.FANS_WRITE, {"name": "Renamed"}),
    Route("PATCH", "/api/crm/fans/{fan}", Action.FANS_TAG, {"tags": ["vip"]}),
    Route("DELETE", "/api/crm/fans/{fan}", Action.FANS_DELETE),
    Route("GET", "/api/crm/conversations", Action.INBOX_READ),
    Route("POST", "/api/crm/conversations", Action.INBOX_REPLY, {"fanId": "{fan}"}),
    Route("GET", "/api/crm/conversations/{conversation}", Action.INBOX_READ),
    Route("PATCH", "/api/crm/conversations/{conversation}", Action.INBOX_ARCHIVE, {"is_archived": True}),
    Route("PATCH", "/api/crm/conversations/{conversation}", Action.INBOX_TAG, {"tags": ["vip"]}),
    Route("PATCH", "/api/crm/conversations/{conversation}", Action.INBOX_READ, {"read": True}),
    Route("PATCH", "/api/crm/conversations/{conversation}", Action.INBOX_ASSIGN_SELF, {"assignee_id": None}),
    Route("GET", "/api/crm/conversations/{conversation}/messages", Action.INBOX_READ),
    Route("POST", "/api/crm/conversations/{conversation}/messages", Action.INBOX_REPLY, {"text": "hi"}),
    Route("GET", "/api/crm/transactions", Action.REVENUE_READ),
    Route("POST", "/api/crm/transactions", Action.MONEY_RECORD, {"fanId": "{fan}", "kind": "tip", "amount_cents": 500}),
    Route("GET", "/api/crm/scheduled-messages", Action.CAMPAIGNS),
    Route("GET", "/api/crm/scheduled-messages/{scheduled}", Action.CAMPAIGNS),
    Route("PATCH", "/api/crm/scheduled-messages/{scheduled}", Action.CAMPAIGNS, {"text": "Later, then"}),
    Route("DELETE", "/api/crm/scheduled-messages/{scheduled}", Action.CAMPAIGNS),
    Route("GET", "/api/analytics/overview", Action.REVENUE_READ),
]


def fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value.format(**ids) if isinstance(value, str) else value


def call_page(client, route, ids):
    path = route.path.format(**ids)
    if route.method == "GET":
        return client.get(path)
    body = {k: (png_upload() if v == "PNG" else fill(v, ids)) for k, v in (route.body or {}).items()}
    return client.post(path, body)


def call_api(client, route, ids, **extra):
    path = route.path.format(**ids)
    send = getattr(client, route.method.lower())
    if route.body is None:
        return send(path, **extra)
    body = {k: fill(v, ids) for k, v in route.body.items()}
    return send(path, data=json.dumps(body), content_type="application/json", **extra)


def world_state(creator_ids) -> tuple:
    """Everything a refused write could have changed."""
    fan = Fan.objects.filter(pk=creator_ids["fan"]).values_list("name", "notes", "tags__name", "screening_status").first()
    conversation = (
        Conversation.objects.filter(pk=creator_ids["conversation"]).values_list("is_archived", "unread_count", "assignee_id").first()
    )
    counts = tuple(
        model.objects.count()
        for model in (Fan, Conversation, Message, Transaction, ApiKey, PlatformAccount, ScreeningMethod, ScreeningFile, Membership)
    )
    revoked = ApiKey.objects.filter(revoked_at__isnull=False).count()
    team = tuple(Membership.objects.order_by("pk").values_list("pk", "role", "is_active"))
    invitations = tuple(Invitation.objects.order_by("pk").values_list("pk", "revoked_at"))
    scheduled = tuple(ScheduledMessage.objects.order_by("pk").values_list("pk", "text", "status"))
    return fan, conversation, counts, revoked, team, invitations, scheduled


def allowed(role: str, action) -> bool:
    return action is ANY or action in MATRIX[role]


def assert_answer(response, role, route, *, api: bool):
    if allowed(role, route.action):
        assert response.status_code < 400, (role, str(route), response.status_code)
    else:
        assert response.status_code == 403, (role, str(route), response.status_code)
        if api:
            assert response.json() == {"error": "Forbidden"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", PAGE_ROUTES, ids=str)
def test_page_route_follows_the_matrix(agency, role, route):
    client = page_client_for(agency.users[role])
    before = world_state(agency.ids)
    response = call_page(client, route, agency.ids)
    assert_answer(response, role, route, api=False)
    if not allowed(role, route.action):
        assert world_state(agency.ids) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_api_route_follows_the_matrix(agency, role, route):
    client = api_client_for(agency.users[role])
    before = world_state(agency.ids)
    response = call_api(client, route, agency.ids)
    assert_answer(response, role, route, api=True)
    if not allowed(role, route.action):
        assert world_state(agency.ids) == before


# --- Isolation: a member of A is no member of B ------------------------------------------


ID_PAGE_ROUTES = [r for r in PAGE_ROUTES if "{" in r.path]
ID_API_ROUTES = [r for r in API_ROUTES if "{" in r.path or (r.body and "{fan}" in r.body.values())]


@pytest.mark.parametrize("role", ["manager", "chatter"])
@pytest.mark.parametrize("route", ID_PAGE_ROUTES, ids=str)
def test_a_member_of_a_never_reaches_bs_objects_on_pages(agency, role, route):
    client = page_client_for(agency.users[role])
    before = world_state(agency.other_ids)
    response = call_page(client, route, agency.other_ids)
    # B's id is a missing id for A (404), or the role was refused first (403): never B's data.
    assert response.status_code in (403, 404), (str(route), response.status_code)
    assert world_state(agency.other_ids) == before


@pytest.mark.parametrize("role", ["manager", "chatter"])
@pytest.mark.parametrize("route", ID_API_ROUTES, ids=str)
def test_a_member_of_a_never_reaches_bs_objects_on_the_api(agency, role, route):
    client = api_client_for(agency.users[role])
    before = world_state(agency.other_ids)
    response = call_api(client, route, agency.other_ids)
    assert response.status_code in (403, 404), (str(route), response.status_code)
    assert world_state(agency.other_ids) == before


@pytest.mark.parametrize("ref", ["agency-b", "{b}"])
@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_x_creator_of_another_agency_is_404(agency, route, ref):
    ref = str(agency.other.pk) if ref == "{b}" else ref
    client = api_client_for(agency.users["manager"])
    before = world_state(agency.other_ids)
    response = call_api(client, route, agency.other_ids, HTTP_X_CREATOR=ref)
    assert response.status_code == 404 and response.json() == {"error": "Creator not found"}
    assert world_state(agency.other_ids) == before


def test_the_creators_own_login_cannot_x_creator_into_another(agency):
    client = api_client_for(agency.users["owner"])
    response = client.get("/api/crm/fans", HTTP_X_CREATOR="agency-b")
    assert response.status_code == 404 and response.json() == {"error": "Creator not found"}
