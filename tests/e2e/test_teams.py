"""Issue 17's "Done when", in a real browser: an owner invites a manager and a chatter, the
chatter signs in, switches between two creators, takes and answers a conversation, and the
owner sees the reply attributed and the whole story in the audit log."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from crm import services
from crm.choices import Direction
from crm.models import AuditEntry, Membership, Message
from tests.factories import CreatorFactory, FanFactory

from .conftest import checked_page, log_in, snap

pytestmark = [pytest.mark.e2e, pytest.mark.once]

PASSWORD = "a-long-team-password-1"


def invitation_path(email: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"https?://[^/\s]+(/team/join/\S+)", message.body).group(1)


def accept(page, path: str) -> None:
    page.goto(path)
    page.locator("#id_join_password1").fill(PASSWORD)
    page.locator("#id_join_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create my login and join").click()
    page.wait_for_url("**/inbox/")


def test_owner_invites_chatter_works_two_creators_and_owner_sees_it_all(
    browser, _no_media_route, live_server, e2e_creator, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    fan = FanFactory(creator=e2e_creator, name="Riley Fan")
    conversation, _ = services.conversation_open(fan=fan)
    services.message_add(conversation=conversation, direction=Direction.INCOMING, text="Are you there?")
    second = CreatorFactory(slug="second-studio", display_name="Second Studio")
    other_fan = FanFactory(creator=second, name="Sam Other")
    other_conversation, _ = services.conversation_open(fan=other_fan)
    services.message_add(conversation=other_conversation, direction=Direction.INCOMING, text="Hi second")

    owner_pages = checked_page(browser, live_server.url)
    owner = next(owner_pages)
    log_in(owner)
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    for email, role in (("manager@example.com", "manager"), ("chatter@example.com", "chatter")):
        owner.get_by_label("Email").fill(email)
        owner.get_by_label("Role").select_option(role)
        owner.get_by_role("button", name="Send invitation").click()
        expect(owner.get_by_role("status")).to_contain_text(f"Invitation sent to {email}.")
    expect(owner.locator("#invitations li")).to_have_count(2)
    snap(owner, "team-invited")

    manager_pages = checked_page(browser, live_server.url)
    manager = next(manager_pages)
    accept(manager, invitation_path("manager@example.com"))
    expect(manager.get_by_role("navigation", name="Main").get_by_role("link", name="Team")).to_be_visible()

    chatter_pages = checked_page(browser, live_server.url)
    chatter = next(chatter_pages)
    accept(chatter, invitation_path("chatter@example.com"))
    chatter_membership = Membership.objects.get(user__email="chatter@example.com")
    assert chatter_membership.role == "chatter" and chatter_membership.creator == e2e_creator
    # The chatter also works for another creator (its owner added them).
    Membership.objects.create(user=chatter_membership.user, creator=second, role="chatter")

    # Signing in again: the chatter sees whose data it is and switches between the two.
    chatter.get_by_role("button", name="Log out").click()
    log_in(chatter, email="chatter@example.com", password=PASSWORD)
    expect(chatter.locator(".who")).to_contain_text("Second Studio")  # first by slug
    chatter.goto("/inbox/")
    expect(chatter.locator(".inbox-rows")).to_contain_text("Sam Other")
    expect(chatter.get_by_role("navigation", name="Main").get_by_role("link", name="Team")).to_have_count(0)
    chatter.get_by_label("Working for").select_option(label="Studio E2E (Chatter)")
    chatter.get_by_role("button", name="Switch").click()
    expect(chatter.get_by_role("status")).to_contain_text("You are working for Studio E2E.")
    expect(chatter.locator(".inbox-rows")).to_contain_text("Riley Fan")
    expect(chatter.locator("#unassigned-total")).to_contain_text("1 unassigned")
    snap(chatter, "chatter-inbox")

    chatter.get_by_role("link", name="Riley Fan").click()
    chatter.get_by_role("button", name="Take it").click()
    expect(chatter.get_by_role("status")).to_contain_text("Assigned.")
    expect(chatter.locator("#assignee")).to_contain_text("Assigned to you")
    chatter.get_by_role("textbox", name="Message").fill("Yes! Here for you, Riley.")
    chatter.get_by_role("button", name="Send").click()
    # An OnlyFans fan: the reply is kept for the chatter to send there (issue 20's `manual`).
    expect(chatter.get_by_role("status")).to_contain_text("Reply saved, not sent: OnlyFans")
    snap(chatter, "chatter-thread")
    # A chatter's pages stop at what the matrix forbids.
    assert chatter.goto("/dashboard/").status == 403
    assert chatter.goto("/team/audit").status == 403

    reply = Message.objects.get(text="Yes! Here for you, Riley.")
    assert (reply.sent_by.email, reply.sent_by_kind) == ("chatter@example.com", "member")

    # The owner sees the reply attributed, the assignment and the whole story in the log.
    owner.goto(f"/inbox/{conversation.pk}/")
    expect(owner.locator(".message.out")).to_contain_text("Yes! Here for you, Riley.")
    expect(owner.locator(".message.out .meta")).to_contain_text("chatter@example.com")
    expect(owner.locator("#assignee")).to_contain_text("chatter@example.com")
    owner.goto("/team/audit")
    log = owner.locator("#audit-log")
    for action in ("member.invited", "invitation.accepted", "member.signed_in", "conversation.assigned"):
        expect(log.locator(f'tr[data-action="{action}"]').first).to_be_visible()
    expect(log.locator('tr[data-action="member.invited"]')).to_have_count(2)
    expect(log.locator('tr[data-action="invitation.accepted"]')).to_have_count(2)
    expect(log.locator('tr[data-action="conversation.assigned"]')).to_contain_text("chatter@example.com")
    snap(owner, "audit-log")
    assigned = AuditEntry.objects.get(creator=e2e_creator, action="conversation.assigned")
    assert assigned.actor.email == "chatter@example.com"

    for pages in (chatter_pages, manager_pages, owner_pages):
        next(pages, None)  # closes each context and checks it saw no 5xx or CSP violation
