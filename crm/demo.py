"""Demo data for `seed_demo`: a creator's last eight months, written through the services.

Everything with a counter (conversation counts, response times, fan value) goes through
crm.services so the demo figures are exactly what real traffic would produce. The random
generator is seeded, so the shape of the data is the same on every machine; timestamps are
relative to the moment of seeding.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from . import services
from .choices import (
    ClientCategory,
    Direction,
    Platform,
    ScreeningStatus,
    SubscriptionStatus,
    TransactionKind,
)
from .models import Conversation, Creator, Fan

SEED = 20_260_101
FAN_COUNT = 300
HISTORY_DAYS = 240  # eight months

FIRST_NAMES = (
    "Alex", "Jordan", "Sam", "Taylor", "Chris", "Morgan", "Jamie", "Casey", "Riley", "Drew", "Avery",
    "Quinn", "Blake", "Cameron", "Dana", "Elliot", "Finley", "Harper", "Hayden", "Jesse", "Kai",
    "Logan", "Marley", "Noah", "Parker", "Reese", "Rowan", "Sage", "Skyler", "Toby", "Luca", "Mateo",
    "Hugo", "Oscar", "Felix", "Leo", "Max", "Theo", "Ivan", "Marco", "Diego", "Nico", "Omar", "Ravi",
    "Kenji", "Sven",
)
LAST_NAMES = (
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Lopez", "Wilson", "Anderson",
    "Thomas", "Moore", "Martin", "Lee", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright",
    "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Rossi", "Müller", "Dubois",
    "Novak", "Silva", "Tanaka", "Kowalski", "Jensen", "Ivanov", "Okafor", "Haddad",
)
TAGS = ("vip", "big tipper", "new", "regular", "custom requests", "night owl", "renewal due", "timewaster")
CONVERSATION_TAGS = ("priority", "follow up", "custom order", "negotiating")
# Weights: most fans come from the subscription platforms, fewer from socials and direct contact.
PLATFORM_WEIGHTS = {
    Platform.ONLYFANS: 34,
    Platform.FANSLY: 18,
    Platform.PATREON: 12,
    Platform.INSTAGRAM: 16,
    Platform.TIKTOK: 10,
    Platform.DIRECT: 10,
}
PAYING_PLATFORMS = {Platform.ONLYFANS, Platform.FANSLY, Platform.PATREON}

INCOMING_TEXTS = (
    "Hey! Loved your last post 😍",
    "Are you doing any custom content this week?",
    "Just renewed my sub, can't wait for more",
    "Good morning! How was the shoot?",
    "Sent you a little tip, treat yourself",
    "What time are you going live tonight?",
    "Is the bundle from Friday still available?",
    "You replied so fast last time, thank you!",
    "Can I get the full set from yesterday?",
    "Happy Friday 🎉",
    "Do you take requests for the next photoshoot?",
    "I'll be travelling next week, will miss the live",
    "That video was amazing",
    "Hi, saw your page on Instagram",
)
OUTGOING_TEXTS = (
    "Thank you so much babe! 💕",
    "Yes! Custom slots are open until Sunday",
    "Going live at 9pm, see you there",
    "Aww you're the best, thanks for the support",
    "It went great, sneak peek coming tomorrow",
    "Of course, sending it over now",
    "Let me check my schedule and get back to you",
    "Glad you liked it! More coming this week",
    "Safe travels! I'll save the replay for you",
)
AI_TEXTS = (
    "Thanks for reaching out! I'll get back to you personally very soon 💕",
    "Hey love, thanks for the message! New content drops every Friday.",
    "Thank you for subscribing! Check the pinned post for my menu.",
)
PPV_TEXTS = (
    "New exclusive set just for you 🔥 unlock it here",
    "Behind-the-scenes video from today's shoot, unlock to watch",
    "Private bundle: 12 photos + 2 clips",
)
NOTES = (
    "Prefers evening replies. Birthday in March.",
    "Asked about custom video pricing twice; follow up with the menu.",
    "Long-time supporter since the first month, always polite.",
    "Timezone: CET. Likes behind-the-scenes content.",
    "Had a payment dispute in spring, resolved.",
    "",
    "",
    "",
)


@dataclass
class DemoSummary:
    fans: int = 0
    conversations: int = 0
    messages: int = 0
    transactions: dict[str, int] = field(default_factory=dict)


class DemoBuilder:
    """Builds the demo creator's fans, conversations, messages and ledger."""

    def __init__(self, creator: Creator, *, now: datetime | None = None, seed: int = SEED):
        self.creator = creator
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.start = self.now - timedelta(days=HISTORY_DAYS)
        self.rng = random.Random(seed)
        self.summary = DemoSummary(transactions={kind: 0 for kind in TransactionKind.values})
        self._external_ids = 0

    # --- helpers -----------------------------------------------------------------------------

    def _when(self, earliest: datetime, latest: datetime | None = None) -> datetime:
        """A random moment in [earliest, latest], never in the future."""
        latest = min(latest or self.now, self.now)
        if latest <= earliest:
            return latest
        span = (latest - earliest).total_seconds()
        return earliest + timedelta(seconds=int(self.rng.uniform(0, span)))

    def _joined_at(self) -> datetime:
        # Growth: later months bring more fans (the square root skews towards recent dates).
        share = self.rng.random() ** 0.6
        return self.start + timedelta(seconds=int(share * HISTORY_DAYS * 86_400 * 0.98))

    def _record(self, fan: Fan, kind: str, cents: int, when: datetime, message=None) -> None:
        external_id = None
        if fan.platform in PAYING_PLATFORMS and kind != TransactionKind.OPENING_BALANCE:
            self._external_ids += 1
            external_id = f"demo-{fan.platform}-{self._external_ids:06d}"
        services.transaction_record(
            fan=fan, kind=kind, amount_cents=cents, external_id=external_id, occurred_at=when, message=message
        )
        self.summary.transactions[kind] += 1

    # --- fans --------------------------------------------------------------------------------

    def build(self) -> DemoSummary:
        platforms = list(PLATFORM_WEIGHTS)
        weights = list(PLATFORM_WEIGHTS.values())
        joined = {}
        for index in range(FAN_COUNT):
            platform = self.rng.choices(platforms, weights)[0]
            fan = self._fan(index, platform)
            joined[fan.pk] = self._joined_at()
            self._activity(fan, joined[fan.pk])
            self.summary.fans += 1
        # created_at is auto_now_add; backdate fans and threads so charts show eight months.
        fans = list(Fan.objects.filter(creator=self.creator).only("id"))
        for fan in fans:
            fan.created_at = joined[fan.pk]
        Fan.objects.bulk_update(fans, ["created_at"], batch_size=500)
        conversations = list(
            Conversation.objects.filter(creator=self.creator)
            .annotate(first_message_at=Min("messages__created_at"))
            .only("id", "fan_id")
        )
        for conversation in conversations:
            conversation.created_at = conversation.first_message_at or joined[conversation.fan_id]
        Conversation.objects.bulk_update(conversations, ["created_at"], batch_size=500)
        return self.summary

    def _fan(self, index: int, platform: str) -> Fan:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        handle = f"@{first.lower()}{last.lower()[:3]}{index}"
        fields = {"handle": handle}
        if platform != Platform.DIRECT:
            fields["platform_id"] = f"{platform[:2]}_{100_000 + index}"
        if platform == Platform.DIRECT or rng.random() < 0.3:
            # Addresses are ASCII (Müller → muller), as the email rule wants (crm.validators).
            local = unicodedata.normalize("NFKD", f"{first}.{last}{index}").encode("ascii", "ignore").decode()
            fields["email"] = f"{local}@example.com".lower()
        if platform == Platform.DIRECT or rng.random() < 0.15:
            fields["phone"] = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if platform == Platform.DIRECT:
            fields["client_identifier"] = f"{first[0]}{last[0]}-{index:04d}"
        if platform in PAYING_PLATFORMS:
            fields["client_category"] = ClientCategory.SUBSCRIBER
            fields["subscription_status"] = rng.choices(
                [SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELED, SubscriptionStatus.PAST_DUE],
                [70, 22, 8],
            )[0]
        else:
            fields["screening_status"] = rng.choices(
                [ScreeningStatus.PENDING, ScreeningStatus.APPROVED, ScreeningStatus.REJECTED,
                 ScreeningStatus.PENDING_REFERENCES],
                [45, 35, 8, 12],
            )[0]
            if fields["screening_status"] == ScreeningStatus.APPROVED:
                fields["client_category"] = ClientCategory.SCREENED
        notes = rng.choice(NOTES)
        if notes:
            fields["notes"] = notes
        tags = rng.sample(TAGS, k=rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0])
        return services.fan_create(
            creator=self.creator, platform=platform, name=f"{first} {last}", tags=tags, **fields
        )

    # --- messages and money -----------------------------------------------------------------

    def _activity(self, fan: Fan, joined_at: datetime) -> None:
        rng = self.rng
        if fan.platform in PAYING_PLATFORMS and rng.random() < 0.25:
            # Lifetime value brought over from before the CRM (never counted as revenue).
            self._record(fan, TransactionKind.OPENING_BALANCE, rng.randint(20, 400) * 100, joined_at)
        paid = self._subscriptions(fan, joined_at) if fan.platform in PAYING_PLATFORMS else []
        if rng.random() < 0.85:
            paid += self._conversation(fan, joined_at)
        for _ in range(rng.choices([0, 1, 2, 4, 8], [40, 25, 18, 12, 5])[0]):
            paid.append(self._payment(fan, TransactionKind.TIP, rng.choice([500, 1000, 2000, 5000, 10000]), joined_at))
        if rng.random() < 0.08:
            paid.append(self._payment(fan, TransactionKind.OTHER, rng.randint(10, 150) * 100, joined_at))
        refundable = [p for p in paid if p[0] in (TransactionKind.TIP, TransactionKind.PPV)]
        if refundable and rng.random() < 0.12:
            kind, cents, when = rng.choice(refundable)
            refund_at = self._when(when, when + timedelta(days=10))
            self._record(fan, TransactionKind.REFUND, cents, refund_at)

    def _payment(self, fan: Fan, kind: str, cents: int, joined_at: datetime, message=None):
        when = self._when(joined_at)
        self._record(fan, kind, cents, when, message)
        return kind, cents, when

    def _subscriptions(self, fan: Fan, joined_at: datetime) -> list:
        """Monthly renewals from the join date while the subscription lasted."""
        price = self.rng.choice([499, 999, 1499, 1999])
        months = self.rng.randint(1, 8)
        paid = []
        for month in range(months):
            when = joined_at + timedelta(days=30 * month, minutes=self.rng.randint(0, 90))
            if when >= self.now:
                break
            self._record(fan, TransactionKind.SUBSCRIPTION, price, when)
            paid.append((TransactionKind.SUBSCRIPTION, price, when))
        return paid

    def _conversation(self, fan: Fan, joined_at: datetime) -> list:
        rng = self.rng
        conversation, _ = services.conversation_open(fan=fan)
        self.summary.conversations += 1
        if rng.random() < 0.15:
            services.conversation_update(
                conversation=conversation, tags=rng.sample(CONVERSATION_TAGS, k=rng.randint(1, 2))
            )
        paid = []
        moment = self._when(joined_at, joined_at + timedelta(days=20))
        exchanges = rng.choices([1, 2, 3, 5, 8], [25, 30, 25, 15, 5])[0]
        ai_replies = rng.random() < 0.35
        for number in range(exchanges):
            for _ in range(rng.choices([1, 2, 3], [60, 30, 10])[0]):
                if moment >= self.now:
                    break
                self._message(conversation, Direction.INCOMING, rng.choice(INCOMING_TEXTS), moment)
                moment += timedelta(seconds=rng.randint(20, 600))
            last_exchange = number == exchanges - 1
            if moment >= self.now or (last_exchange and rng.random() < 0.3):
                break  # the fan is still waiting for an answer: the thread stays unread
            by_ai = ai_replies and rng.random() < 0.6
            moment += timedelta(seconds=rng.randint(5, 90) if by_ai else rng.randint(120, 6 * 3600))
            if moment >= self.now:
                break
            text = rng.choice(AI_TEXTS if by_ai else OUTGOING_TEXTS)
            self._message(conversation, Direction.OUTGOING, text, moment, sent_by_ai=by_ai)
            if fan.platform in PAYING_PLATFORMS and rng.random() < 0.3:
                moment += timedelta(seconds=rng.randint(30, 300))
                price = rng.choice([800, 1200, 1500, 2500])
                offer = self._message(
                    conversation, Direction.OUTGOING, rng.choice(PPV_TEXTS), moment, price_cents=price
                )
                if rng.random() < 0.6:
                    bought = self._when(moment, moment + timedelta(hours=36))
                    self._record(fan, TransactionKind.PPV, price, bought, message=offer)
                    paid.append((TransactionKind.PPV, price, bought))
            moment += timedelta(hours=rng.randint(4, 24 * 20))
        conversation.refresh_from_db(fields=["unread_count", "last_message_at"])
        # The creator has read everything older than the last week.
        if conversation.unread_count and (
            conversation.last_message_at is None or self.now - conversation.last_message_at > timedelta(days=7)
        ):
            services.conversation_mark_read(conversation=conversation)
        if rng.random() < 0.06:
            services.conversation_update(conversation=conversation, is_archived=True)
        return paid

    def _message(self, conversation, direction, text, when, **extra):
        self.summary.messages += 1
        return services.message_add(
            conversation=conversation, direction=direction, text=text, created_at=when, **extra
        )


def seed_demo_data(creator: Creator, *, now: datetime | None = None) -> DemoSummary | None:
    """Create the demo data once; None when the creator already has fans (nothing changes)."""
    with transaction.atomic():
        if Fan.objects.filter(creator=creator).exists():
            return None
        return DemoBuilder(creator, now=now).build()
