"""Which creator a request acts for (crm.teams.acting, crm.api.authentication.acting_member)."""

import pytest
from rest_framework.test import APIClient

from crm.security.sessions import ACTING_CREATOR_CLAIM
from crm.teams import services as team_services
from tests.factories import CreatorFactory, FanFactory, MembershipFactory, UserFactory
from tests.helpers import assert_crm_error, crm_client_for

from .conftest import page_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_creators(db):
    a, b = CreatorFactory(slug="alpha"), CreatorFactory(slug="beta")
    FanFactory(creator=a, name="Fan of alpha")
    FanFactory(creator=b, name="Fan of beta")
    return a, b


def fan_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [fan["name"] for fan in response.json()["fans"]]


def test_only_membership_is_the_acting_creator(two_creators):
    a, _b = two_creators
    chatter = MembershipFactory(creator=a, role="chatter").user
    assert fan_names(crm_client_for(chatter).get("/api/crm/fans")) == ["Fan of alpha"]


def test_several_memberships_and_no_own_creator_ask_for_x_creator(two_creators):
    a, b = two_creators
    user = UserFactory()
    MembershipFactory(creator=a, user=user, role="chatter")
    MembershipFactory(creator=b, user=user, role="manager")
    client = crm_client_for(user)
    assert_crm_error(client.get("/api/crm/fans"), 400, "X-Creator is required")
    assert fan_names(client.get("/api/crm/fans", HTTP_X_CREATOR="beta")) == ["Fan of beta"]
    assert fan_names(client.get("/api/crm/fans", HTTP_X_CREATOR=str(a.pk))) == ["Fan of alpha"]
    for ref in ("gamma", "999999", "-1", "0", "x" * 300):
        assert_crm_error(client.get("/api/crm/fans", HTTP_X_CREATOR=ref), 404, "Creator not found")


def test_own_creator_comes_before_memberships(two_creators):
    a, b = two_creators
    MembershipFactory(creator=b, user=a.user, role="manager")
    client = crm_client_for(a.user)
    assert fan_names(client.get("/api/crm/fans")) == ["Fan of alpha"]
    assert fan_names(client.get("/api/crm/fans", HTTP_X_CREATOR="beta")) == ["Fan of beta"]


def test_a_deactivated_or_removed_member_loses_the_creator_at_once(two_creators):
    a, _b = two_creators
    membership = MembershipFactory(creator=a, role="manager")
    client = crm_client_for(membership.user)
    pages = page_client_for(membership.user)
    assert client.get("/api/crm/fans", HTTP_X_CREATOR="alpha").status_code == 200
    assert pages.get("/fans/").status_code == 200
    team_services.membership_set_active(membership=membership, is_active=False)
    assert_crm_error(client.get("/api/crm/fans", HTTP_X_CREATOR="alpha"), 404, "Creator not found")
    assert client.get("/api/crm/fans").status_code == 403
    assert pages.get("/fans/").status_code == 404  # no creator left to act for
    team_services.membership_set_active(membership=membership, is_active=True)
    team_services.membership_remove(membership=membership)
    assert pages.get("/fans/").status_code == 404


def test_a_token_naming_a_creator_left_is_refused(two_creators):
    a, b = two_creators
    user = UserFactory()
    MembershipFactory(creator=a, user=user)
    left = MembershipFactory(creator=b, user=user)
    from rest_framework_simplejwt.tokens import RefreshToken

    token = RefreshToken.for_user(user).access_token
    token[ACTING_CREATOR_CLAIM] = b.pk
    client = APIClient()
    client.cookies["access_token"] = str(token)
    assert fan_names(client.get("/api/crm/fans")) == ["Fan of beta"]
    team_services.membership_remove(membership=left)
    assert_crm_error(client.get("/api/crm/fans"), 403, "Forbidden")


def test_the_switcher_moves_pages_and_the_jwt_cookie(two_creators):
    a, b = two_creators
    user = UserFactory()
    MembershipFactory(creator=a, user=user, role="chatter")
    MembershipFactory(creator=b, user=user, role="manager")
    pages = page_client_for(user)
    first = pages.get("/fans/")
    assert b"Fan of alpha" in first.content and b'id="creator-switch"' in first.content
    response = pages.post("/team/switch", {"creator": b.pk, "next": "/fans/"})
    assert response.status_code == 302 and response["Location"] == "/fans/"
    assert "access_token" in response.cookies
    assert b"Fan of beta" in pages.get("/fans/").content
    # The reissued cookie acts for the chosen creator on the API too.
    api = APIClient()
    api.cookies["access_token"] = response.cookies["access_token"].value
    assert fan_names(api.get("/api/crm/fans")) == ["Fan of beta"]
    # Another agency's creator, or a creator that does not exist: 404, nothing changes.
    stranger = CreatorFactory(slug="gamma")
    assert pages.post("/team/switch", {"creator": stranger.pk}).status_code == 404
    assert pages.post("/team/switch", {"creator": "nope"}).status_code == 404
    assert b"Fan of beta" in pages.get("/fans/").content


def test_switching_away_from_an_object_page_lands_on_its_list(two_creators):
    a, b = two_creators
    user = UserFactory()
    MembershipFactory(creator=a, user=user)
    MembershipFactory(creator=b, user=user)
    pages = page_client_for(user)
    response = pages.post("/team/switch", {"creator": b.pk, "next": "/inbox/12/"})
    assert response["Location"] == "/inbox/"
    assert pages.post("/team/switch", {"creator": b.pk, "next": "https://evil.example/"})["Location"] == "/"


def test_a_single_login_sees_no_switcher(two_creators):
    a, _b = two_creators
    assert b'id="creator-switch"' not in page_client_for(a.user).get("/fans/").content


def test_page_sign_in_names_the_chosen_creator_in_the_jwt(two_creators, client):
    a, b = two_creators
    user = UserFactory(email="member@example.com")
    MembershipFactory(creator=b, user=user, role="manager")
    MembershipFactory(creator=a, user=user, role="chatter")
    response = client.post("/auth/login", {"username": "member@example.com", "password": "correct-horse-battery"})
    assert response.status_code == 302
    api = APIClient()
    api.cookies["access_token"] = response.cookies["access_token"].value
    # The first membership by slug (alpha) is the session's creator, and its JWT's.
    assert fan_names(api.get("/api/crm/fans")) == ["Fan of alpha"]
