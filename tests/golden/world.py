"""The fixed world the golden scenarios run against: two creators, a staff login, fans on every
kind of platform with money, messages, an attachment, screening data and Instagram events.

Everything is written through the services with explicit times relative to `NOW`, the frozen
clock of the scenarios, so every figure (analytics included) is the same on every run.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.uploads import ATTACHMENT_KINDS, check_upload
from crm import services
from crm.choices import Direction, Platform, TransactionKind
from crm.models import Conversation, Creator, Fan, Message
from screening import services as screening_services
from tests.screening.samples import PDF, PNG

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"
ADMIN_TOTP_KEY = "3132333435363738393031323334353637383930"
CREATOR_TOTP_KEY = "4142434445464748494a4b4c4d4e4f5051525354"
FIXTURES = Path(__file__).parent.parent / "webhooks" / "fixtures"
INSTAGRAM_ACCOUNT = "17841400000000001"


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def signed_delivery(client: Client, body: bytes, *, secret: str | None = None):
    secret = settings.INSTAGRAM_WEBHOOK_SECRET if secret is None else secret
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/webhooks/instagram", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )


def fixture_body(name: str) -> bytes:
    return json.dumps(json.loads((FIXTURES / f"{name}.json").read_text())).encode()


@dataclass
class World:
    creator: Creator
    other: Creator
    alice: Fan
    bob: Fan
    dana: Fan
    zed: Fan
    alice_chat: Conversation
    bob_chat: Conversation
    zed_chat: Conversation
    attachment: Message
    screening_file_id: int
    screening_method_id: int


def totp_now(hex_key: str) -> str:
    """The code an authenticator app with this key shows now (django-otp reads the real clock)."""
    return f"{TOTP(bytes.fromhex(hex_key)).token():06d}"


def _upload(name: str, data: bytes):
    return check_upload(SimpleUploadedFile(name, data), kinds=ATTACHMENT_KINDS)


def build() -> World:
    creator = services.creator_create(
        slug="golden", email="golden@example.com", password=PASSWORD, display_name="Golden Creator",
        timezone_name="Europe/Paris",
    )
    other = services.creator_create(slug="other", email="other@example.com", password=PASSWORD)
    staff = get_user_model().objects.create_superuser(username="admin", email="admin@example.com", password=PASSWORD)
    # Fixed keys, so the two-factor pages (QR code, secret) are the same on every run.
    TOTPDevice.objects.create(user=staff, name="Authenticator app", key=ADMIN_TOTP_KEY, confirmed=True)
    TOTPDevice.objects.create(user=creator.user, name="Authenticator app", key=CREATOR_TOTP_KEY, confirmed=False)

    alice = services.fan_create(
        creator=creator, platform=Platform.ONLYFANS, name="Alice Adams", platform_id="of_alice",
        handle="@alice", email="alice@example.com", phone="+1 555 0100", notes="Prefers evenings",
        client_identifier="alice-1", tags=["vip", "active"], opening_balance_cents=10_000,
    )
    bob = services.fan_create(
        creator=creator, platform=Platform.FANSLY, name="Bob Brown", platform_id="fy_bob", handle="@bob",
        tags=["new"],
    )
    dana = services.fan_create(
        creator=creator, platform=Platform.DIRECT, name="Dana Diaz", email="dana@example.com",
        client_identifier="dana-77", subscription_status="active",
    )
    zed = services.fan_create(creator=other, platform=Platform.ONLYFANS, name="Zed Zane", platform_id="of_zed")

    for fan, kind, cents, when in (
        (alice, TransactionKind.TIP, 5_000, ago(days=2)),
        (alice, TransactionKind.SUBSCRIPTION, 1_500, ago(days=10)),
        (alice, TransactionKind.SUBSCRIPTION, 1_500, ago(days=40)),
        (alice, TransactionKind.PPV, 2_500, ago(days=70)),
        (alice, TransactionKind.TIP, 1_000, ago(days=150)),
        (alice, TransactionKind.REFUND, 500, ago(days=5)),
        (bob, TransactionKind.SUBSCRIPTION, 1_200, ago(days=3)),
        (dana, TransactionKind.OTHER, 800, ago(days=20)),
        (zed, TransactionKind.TIP, 9_900, ago(days=1)),
    ):
        services.transaction_record(fan=fan, kind=kind, amount_cents=cents, occurred_at=when)

    alice_chat, _ = services.conversation_open(fan=alice, subject="Customs")
    for direction, text, when, ai in (
        (Direction.INCOMING, "Hi, are you there?", ago(days=3, hours=2), False),
        (Direction.OUTGOING, "Hello Alice!", ago(days=3, hours=1, minutes=55), False),
        (Direction.INCOMING, "Can I get a custom video?", ago(days=1), False),
        (Direction.OUTGOING, "Sure, details coming.", ago(hours=23, minutes=50), True),
        (Direction.INCOMING, "Thanks!", ago(hours=1), False),
    ):
        services.message_add(conversation=alice_chat, direction=direction, text=text, created_at=when, sent_by_ai=ai)
    attachment = services.message_add(
        conversation=alice_chat, direction=Direction.INCOMING, text="My photo", created_at=ago(minutes=30),
        attachment=_upload("me at the beach.png", PNG),
    )
    services.conversation_update(conversation=alice_chat, tags=["priority"])
    bob_chat, _ = services.conversation_open(fan=bob)
    services.message_add(conversation=bob_chat, direction=Direction.INCOMING, text="Hey", created_at=ago(hours=6))
    zed_chat, _ = services.conversation_open(fan=zed)
    services.message_add(conversation=zed_chat, direction=Direction.INCOMING, text="Secret", created_at=ago(hours=2))

    method = screening_services.screening_method_add(
        fan=alice, method_type="references", details="Verified with provider X"
    )
    screening_file = screening_services.screening_file_upload(
        fan=alice, upload=SimpleUploadedFile("passport scan.pdf", PDF), uploaded_by=creator.user
    )

    services.platform_account_connect(
        creator=creator, platform=Platform.INSTAGRAM, external_account_id=INSTAGRAM_ACCOUNT, username="golden.ig"
    )
    hooks = Client()
    for name in ("comments", "messaging", "mentions", "media"):
        response = signed_delivery(hooks, fixture_body(name))
        assert response.status_code == 200, response.content

    return World(
        creator=creator, other=other, alice=alice, bob=bob, dana=dana, zed=zed, alice_chat=alice_chat,
        bob_chat=bob_chat, zed_chat=zed_chat, attachment=attachment, screening_file_id=screening_file.pk,
        screening_method_id=method.pk,
    )
