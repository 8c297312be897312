"""Invitations: invite (owners and managers), the mail and its absolute link, accept as a new
or an existing login, and every bad link; the team page's role changes and removals."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from crm.models import Invitation, Membership
from tests.factories import DEFAULT_PASSWORD, CreatorFactory, MembershipFactory, UserFactory

from .conftest import page_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_BASE_URL = "https://crm.example.com"


@pytest.fixture
def creator(db):
    return CreatorFactory(slug="studio")


def invite(client, email, role="chatter"):
    with_callbacks = pytest.importorskip("django.test").TestCase.captureOnCommitCallbacks
    with with_callbacks(execute=True):
        return client.post("/team/invite", {"email": email, "role": role})


def link_in(message) -> str:
    url = re.search(r"https://crm\.example\.com(/team/join/\S+)", message.body)
    assert url, message.body
    return url.group(1)


def test_owner_invites_and_a_new_login_accepts(creator):
    owner = page_client_for(creator.user)
    response = invite(owner, "New.Chatter@Example.com")
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.chatter@example.com"]
    path = link_in(mail.outbox[0])
    assert "7 days" in mail.outbox[0].body
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert path.split("/")[-1] not in invitation.token_hash  # only the hash is stored

    browser = Client()
    assert b"Choose a password" in browser.get(path).content
    weak = browser.post(path, {"password1": "123", "password2": "123"})
    assert weak.status_code == 400 and not Membership.objects.filter(role="chatter").exists()
    response = browser.post(path, {"password1": "a-fine-long-pass-1", "password2": "a-fine-long-pass-1"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    membership = Membership.objects.get(role="chatter")
    assert membership.user.email == "new.chatter@example.com" and membership.creator == creator
    assert browser.get("/inbox/").status_code == 200  # signed in as the new login
    # Single use: the same link again is refused, nothing changes.
    again = Client().post(path, {"password1": "a-fine-long-pass-2", "password2": "a-fine-long-pass-2"})
    assert again.status_code == 400 and b"does not work" in again.content
    assert Membership.objects.filter(creator=creator).count() == 2


def test_an_existing_login_accepts_once_signed_in_as_it(creator):
    other = CreatorFactory(slug="other-studio")
    invite(page_client_for(creator.user), other.user.email, role="manager")
    path = link_in(mail.outbox[0])
    anonymous = Client()
    page = anonymous.get(path)
    assert b"Sign in as" in page.content
    assert anonymous.post(path).status_code == 400
    stranger = page_client_for(UserFactory())
    assert stranger.post(path).status_code == 400
    browser = page_client_for(other.user)
    assert browser.post(path).status_code == 302
    assert Membership.objects.get(user=other.user, creator=creator).role == "manager"
    # They now work for both; the session acts for the creator they just joined.
    assert b"Studio" in browser.get("/fans/").content


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b", "x" * 250 + "@example.com", "two@@example.com"])
def test_a_malformed_address_is_a_form_error(creator, email):
    response = invite(page_client_for(creator.user), email)
    assert response.status_code == 400
    assert not Invitation.objects.exists() and not mail.outbox


def test_forged_altered_expired_and_revoked_links_are_refused(creator):
    owner = page_client_for(creator.user)
    invite(owner, "a@example.com")
    path = link_in(mail.outbox[0])
    token = path.split("/")[-1]
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense", token.split(":")[0] + ":forged"):
        response = Client().get(f"/team/join/{bad}")
        assert response.status_code == 400 and b"does not work" in response.content
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(path).status_code == 400
    Invitation.objects.update(expires_at=timezone.now() + timedelta(days=1))
    assert Client().get(path).status_code == 200
    invitation = Invitation.objects.get()
    assert owner.post(f"/team/invitations/{invitation.pk}/revoke").status_code == 302
    response = Client().post(path, {"password1": "a-fine-long-pass-1", "password2": "a-fine-long-pass-1"})
    assert response.status_code == 400 and Membership.objects.filter(creator=creator).count() == 1


def test_a_new_invitation_replaces_the_pending_one(creator):
    owner = page_client_for(creator.user)
    invite(owner, "a@example.com")
    invite(owner, "A@example.com", role="manager")
    assert Client().get(link_in(mail.outbox[0])).status_code == 400
    assert Client().get(link_in(mail.outbox[1])).status_code == 200


def test_managers_invite_but_not_owners_and_chatters_not_at_all(creator):
    manager = page_client_for(MembershipFactory(creator=creator, role="manager").user)
    chatter = page_client_for(MembershipFactory(creator=creator, role="chatter").user)
    assert invite(manager, "c@example.com", role="chatter").status_code == 302
    assert invite(manager, "o@example.com", role="owner").status_code == 400
    assert invite(chatter, "x@example.com", role="chatter").status_code == 403
    assert chatter.get("/team/").status_code == 403
    assert list(Invitation.objects.values_list("email", flat=True)) == ["c@example.com"]


def test_an_active_member_is_not_invited_again(creator):
    member = MembershipFactory(creator=creator, role="chatter")
    assert invite(page_client_for(creator.user), member.user.email).status_code == 400
    assert not Invitation.objects.exists()


# --- The team page: roles, deactivation, removal -----------------------------------------


def test_owner_changes_roles_deactivates_and_removes(creator):
    owner = page_client_for(creator.user)
    membership = MembershipFactory(creator=creator, role="chatter")
    member_pages = page_client_for(membership.user)
    assert member_pages.get("/inbox/").status_code == 200
    assert owner.post(f"/team/members/{membership.pk}/role", {"role": "manager"}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == "manager"
    assert owner.post(f"/team/members/{membership.pk}/active", {"active": "0"}).status_code == 302
    assert member_pages.get("/inbox/").status_code == 404  # at once: no creator left
    assert owner.post(f"/team/members/{membership.pk}/active", {"active": "1"}).status_code == 302
    assert member_pages.get("/inbox/").status_code == 200
    assert owner.post(f"/team/members/{membership.pk}/remove").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert member_pages.get("/inbox/").status_code == 404


def test_the_team_page_lists_members_and_pending_invitations(creator):
    MembershipFactory(creator=creator, role="manager", user=UserFactory(email="m@example.com"))
    owner = page_client_for(creator.user)
    invite(owner, "pending@example.com")
    page = owner.get("/team/")
    assert page.status_code == 200
    for text in (b"m@example.com", b"pending@example.com", b"creator's login", creator.user.email.encode()):
        assert text in page.content


def test_bad_role_changes_change_nothing(creator):
    owner = page_client_for(creator.user)
    own = Membership.objects.get(creator=creator, user=creator.user)
    second_owner = MembershipFactory(creator=creator, role="owner")
    manager_membership = MembershipFactory(creator=creator, role="manager")
    manager = page_client_for(manager_membership.user)
    chatter_membership = MembershipFactory(creator=creator, role="chatter")
    chatter = page_client_for(chatter_membership.user)
    # The creator's own login: never changed (400, with the reason).
    response = owner.post(f"/team/members/{own.pk}/role", {"role": "chatter"})
    assert response.status_code == 400 and b"stays its owner" in response.content
    assert owner.post(f"/team/members/{own.pk}/remove").status_code == 400
    # A manager cannot touch owners or make one; a chatter changes no role.
    assert manager.post(f"/team/members/{second_owner.pk}/role", {"role": "chatter"}).status_code == 403
    assert manager.post(f"/team/members/{chatter_membership.pk}/role", {"role": "owner"}).status_code == 403
    assert manager.post(f"/team/members/{second_owner.pk}/remove").status_code == 403
    assert chatter.post(f"/team/members/{chatter_membership.pk}/role", {"role": "manager"}).status_code == 403
    assert owner.post(f"/team/members/{chatter_membership.pk}/role", {"role": "boss"}).status_code == 400
    assert owner.post(f"/team/members/{chatter_membership.pk}/active", {"active": "maybe"}).status_code == 400
    assert owner.post(f"/team/members/{chatter_membership.pk}/active").status_code == 400
    # Another creator's member id: 404.
    foreign = MembershipFactory(creator=CreatorFactory(), role="chatter")
    assert owner.post(f"/team/members/{foreign.pk}/remove").status_code == 404
    assert owner.post("/team/members/abc/remove").status_code == 404
    assert dict(Membership.objects.filter(creator=creator).values_list("pk", "role")) == {
        own.pk: "owner", second_owner.pk: "owner", manager_membership.pk: "manager", chatter_membership.pk: "chatter"
    }


def test_an_inactive_account_cannot_accept(creator):
    user = UserFactory(email="gone@example.com", is_active=False)
    invite(page_client_for(creator.user), user.email)
    browser = Client()
    assert browser.login(username=user.username, password=DEFAULT_PASSWORD) is False
    assert browser.post(link_in(mail.outbox[0])).status_code == 400
