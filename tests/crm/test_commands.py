"""Management commands: create_creator, connect_account and the idempotent seed_demo."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from crm.choices import Direction, Platform, TransactionKind
from crm.models import (
    Conversation,
    Creator,
    Fan,
    Membership,
    Message,
    PlatformAccount,
    Tag,
    Transaction,
    User,
)
from tests.factories import CreatorFactory, PlatformAccountFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- create_creator -----------------------------------------------------------------------


def test_create_creator_makes_a_creator_who_can_log_in():
    output = run("create_creator", "--slug", "ana", "--email", "Ana@Example.com", "--password", "s3cret-pass-99",
                 "--name", "Ana S")
    creator = Creator.objects.select_related("user").get(slug="ana")
    assert "Created creator 'ana'" in output
    assert creator.display_name == "Ana S" and creator.user.email == "ana@example.com"
    assert authenticate(username="ana@example.com", password="s3cret-pass-99") == creator.user


@pytest.mark.parametrize(
    ("slug", "email", "message"),
    [
        ("taken", "new@example.com", "slug 'taken' already exists"),
        ("fresh", "TAKEN@example.com", "email 'TAKEN@example.com' already exists"),
        ("!!!", "x@example.com", "Invalid slug"),
        ("fresh", "not-an-email", "valid email"),
    ],
)
def test_create_creator_explains_what_is_wrong(slug, email, message):
    CreatorFactory(slug="taken", user__email="taken@example.com")
    before = (Creator.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match=message):
        run("create_creator", "--slug", slug, "--email", email, "--password", "s3cret-pass-99")
    assert (Creator.objects.count(), User.objects.count()) == before


def test_create_creator_takes_an_iana_time_zone():
    run("create_creator", "--slug", "ana", "--email", "ana@example.com", "--password", "s3cret-pass-99",
        "--timezone", "Europe/Paris")
    assert Creator.objects.get(slug="ana").timezone == "Europe/Paris"
    with pytest.raises(CommandError, match="Unknown time zone 'Mars/Base'"):
        run("create_creator", "--slug", "bo", "--email", "bo@example.com", "--password", "s3cret-pass-99",
            "--timezone", "Mars/Base")
    assert not Creator.objects.filter(slug="bo").exists()


def test_create_creator_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short|too common"):
        run("create_creator", "--slug", "ana", "--email", "ana@example.com", "--password", "abc")
    assert not Creator.objects.exists()


def test_create_creator_requires_its_arguments():
    with pytest.raises(CommandError, match="--slug"):
        run("create_creator", "--email", "ana@example.com", "--password", "s3cret-pass-99")


# --- connect_account ----------------------------------------------------------------------


def test_connect_account_links_an_instagram_account(creator):
    output = run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id",
                 " 17841400000000001 ", "--username", "ana_ig")
    account = PlatformAccount.objects.get()
    assert (account.creator, account.platform, account.external_account_id, account.username) == (
        creator, Platform.INSTAGRAM, "17841400000000001", "ana_ig"
    )
    assert "Connected" in output
    # Connecting again is harmless.
    run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id", "17841400000000001")
    assert PlatformAccount.objects.count() == 1


def test_connect_account_errors(creator, other_creator):
    PlatformAccountFactory(creator=other_creator, external_account_id="999")
    with pytest.raises(CommandError, match="No creator with slug 'nobody'"):
        run("connect_account", "--creator", "nobody", "--platform", "instagram", "--account-id", "1")
    with pytest.raises(CommandError, match="another creator"):
        run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id", "999")
    with pytest.raises(CommandError, match="external_account_id is required"):
        run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id", "  ")
    with pytest.raises(CommandError, match="invalid choice"):
        run("connect_account", "--creator", creator.slug, "--platform", "myspace", "--account-id", "1")
    assert not PlatformAccount.objects.filter(creator=creator).exists()


# --- seed_demo ----------------------------------------------------------------------------


def snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("id").values_list("id", "email", "password")),
        "fans": list(Fan.objects.order_by("id").values_list("id", "value_cents", "updated_at")),
        "conversations": list(
            Conversation.objects.order_by("id").values_list("id", "message_count", "unread_count", "updated_at")
        ),
        "messages": Message.objects.count(),
        "transactions": Transaction.objects.count(),
        "tags": Tag.objects.count(),
    }


def test_seed_demo_creates_realistic_consistent_data_once():
    output = run("seed_demo")
    assert "demo@example.com / demo12345   http://127.0.0.1:8000/auth/login" in output
    assert "admin@example.com / admin12345   http://127.0.0.1:8000/admin/" in output

    demo = Creator.objects.select_related("user").get(slug="demo")
    assert authenticate(username="demo@example.com", password="demo12345") == demo.user
    admin = authenticate(username="admin@example.com", password="admin12345")
    assert admin.is_staff and admin.is_superuser

    fans = Fan.objects.filter(creator=demo)
    assert 250 <= fans.count() <= 400
    assert set(fans.values_list("platform", flat=True)) == set(Platform.values)
    assert Tag.objects.filter(creator=demo).count() >= 5
    assert fans.filter(tags__isnull=False).distinct().count() > 100
    assert set(Transaction.objects.filter(creator=demo).values_list("kind", flat=True)) == set(
        TransactionKind.values
    )
    messages = Message.objects.filter(creator=demo)
    assert messages.filter(direction=Direction.INCOMING).exists()
    assert messages.filter(direction=Direction.OUTGOING, sent_by_ai=True).exists()
    assert messages.filter(direction=Direction.OUTGOING, sent_by_ai=False).exists()
    assert messages.filter(response_seconds__isnull=False).exists()

    # Spread over the last eight months, nothing in the future.
    now = timezone.now()
    for dates in (messages.values_list("created_at", flat=True),
                  Transaction.objects.filter(creator=demo).values_list("occurred_at", flat=True),
                  fans.values_list("created_at", flat=True)):
        dates = list(dates)
        assert max(dates) <= now
        assert (now - min(dates)).days >= 180 and (now - min(dates)).days <= 245
    months = {d.strftime("%Y-%m") for d in Transaction.objects.filter(creator=demo).values_list("occurred_at", flat=True)}
    assert len(months) >= 8

    # Written through the services: every counter agrees with the rows.
    mismatched = Conversation.objects.filter(creator=demo).annotate(
        n=Count("messages"),
    ).exclude(message_count=F("n"))
    assert not mismatched.exists()
    for fan in fans.annotate(
        plus=Sum("transactions__amount_cents", filter=~Q(transactions__kind=TransactionKind.REFUND)),
        minus=Sum("transactions__amount_cents", filter=Q(transactions__kind=TransactionKind.REFUND)),
    ):
        assert fan.value_cents == (fan.plus or 0) - (fan.minus or 0)
    unread = Message.objects.filter(creator=demo, direction=Direction.INCOMING, read_at__isnull=True).count()
    assert Conversation.objects.filter(creator=demo).aggregate(s=Sum("unread_count"))["s"] == unread

    before = snapshot()
    again = run("seed_demo", "--base-url", "http://192.0.2.10:8123/")
    assert "nothing changed" in again and "demo@example.com / demo12345   http://192.0.2.10:8123/auth/login" in again
    assert snapshot() == before


def test_seed_demo_makes_a_team_with_assigned_and_answered_conversations():
    output = run("seed_demo")
    for email in ("manager@example.com", "chatter1@example.com", "chatter2@example.com"):
        assert f"{email} / demo12345   http://127.0.0.1:8000/auth/login" in output
        assert authenticate(username=email, password="demo12345") is not None
    demo = Creator.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(creator=demo).values_list("user__email", "role"))
    assert roles == {
        "demo@example.com": "owner", "manager@example.com": "manager",
        "chatter1@example.com": "chatter", "chatter2@example.com": "chatter",
    }
    for email in ("chatter1@example.com", "chatter2@example.com"):
        assigned = Conversation.objects.filter(creator=demo, assignee__email=email)
        assert assigned.count() == 3
        replies = Message.objects.filter(conversation__in=assigned, sent_by__email=email, sent_by_kind="member")
        assert replies.count() == 3
    before = (Membership.objects.count(), Message.objects.count())
    run("seed_demo")
    assert (Membership.objects.count(), Message.objects.count()) == before


def test_seed_demo_refuses_a_demo_email_held_by_someone_else():
    User.objects.create_user(username="someone", email="demo@example.com", password="x")
    with pytest.raises(CommandError, match="Cannot create the demo creator"):
        run("seed_demo")
    assert not Creator.objects.exists()


def test_connect_account_takes_the_token_from_the_environment_and_the_switch(creator, monkeypatch):
    monkeypatch.setenv("IG_TOKEN", "env-token")
    output = run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id", "1786",
                 "--access-token-env", "IG_TOKEN", "--token-expires", "2030-02-01", "--deliver")
    account = PlatformAccount.objects.get()
    assert account.delivers and account.access_token == "env-token" and "sending replies: on" in output
    assert account.token_expires_at.date().isoformat() == "2030-02-01"
    monkeypatch.delenv("IG_TOKEN")
    with pytest.raises(CommandError, match="IG_TOKEN is empty"):
        run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id", "1786", "--access-token-env", "IG_TOKEN")
    run("connect_account", "--creator", creator.slug, "--platform", "instagram", "--account-id", "1786", "--no-deliver")
    account.refresh_from_db()
    assert not account.delivery_enabled and account.access_token == "env-token"
