"""factory-boy factories for every model. Writes that keep counters go through services."""

from datetime import timedelta

import factory
from django.utils import timezone

from core.crypto import token_hash
from crm import choices, services
from crm.models import (
    ApiKey,
    AuditEntry,
    AuthEvent,
    ChatBlock,
    ChatSettings,
    ChatVisitor,
    Conversation,
    Creator,
    Fan,
    Invitation,
    MassMessage,
    MassMessageRecipient,
    Membership,
    Message,
    PlatformAccount,
    RecoveryCode,
    RecoveryCodeDevice,
    ScheduledMessage,
    Segment,
    Tag,
    Transaction,
    User,
    UserSession,
)
from screening.models import ScreeningFile, ScreeningMethod
from webhooks.models import WebhookEvent, WebhookEventFan

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creator
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    slug = factory.Sequence(lambda n: f"creator-{n}")
    display_name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    timezone = "UTC"

    @factory.post_generation
    def first_owner(creator, create, extracted, **kwargs):
        if create:  # as crm.services.creator_create does
            Membership.objects.get_or_create(user_id=creator.user_id, creator=creator, defaults={"role": "owner"})


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    creator = factory.SubFactory(CreatorFactory)
    role = "chatter"


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("creator", "name")

    creator = factory.SubFactory(CreatorFactory)
    name = factory.Sequence(lambda n: f"tag{n}")


class FanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fan

    creator = factory.SubFactory(CreatorFactory)
    name = factory.Faker("name")
    platform = choices.Platform.ONLYFANS
    platform_id = factory.Sequence(lambda n: f"pid-{n}")
    handle = factory.LazyAttribute(lambda o: "@" + o.name.lower().replace(" ", "_"))


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    fan = factory.SubFactory(FanFactory)
    creator = factory.SelfAttribute("fan.creator")
    platform = factory.SelfAttribute("fan.platform")


class MessageFactory(factory.Factory):
    """Messages go through services.message_add so conversation counters stay exact."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    direction = choices.Direction.INCOMING
    text = factory.Faker("sentence")

    @classmethod
    def _create(cls, model_class, conversation, **kwargs):
        return services.message_add(conversation=conversation, **kwargs)


class ChatVisitorFactory(factory.Factory):
    """A visitor chat started through crm.chat.chat_start (its fan, consent and conversation);
    the raw token is on the instance as `raw_token`."""

    class Meta:
        model = ChatVisitor

    creator = factory.SubFactory(CreatorFactory)
    name = factory.Faker("name")
    email = ""

    @classmethod
    def _create(cls, model_class, creator, name, email="", address_hash=""):
        from crm import chat

        visitor, token = chat.chat_start(creator=creator, name=name, email=email, consent=True, address_hash=address_hash)
        visitor.raw_token = token
        return visitor


class ChatBlockFactory(factory.Factory):
    """A block through crm.chat.chat_block."""

    class Meta:
        model = ChatBlock

    visitor = factory.SubFactory(ChatVisitorFactory)

    @classmethod
    def _create(cls, model_class, visitor):
        from crm import chat

        chat.chat_block(visitor=visitor)
        return ChatBlock.objects.get(token_hash=visitor.token_hash)


class ChatSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatSettings
        django_get_or_create = ("creator",)

    creator = factory.SubFactory(CreatorFactory)
    away_message = "Back soon."


class TransactionFactory(factory.Factory):
    """Transactions go through services.transaction_record so Fan.value_cents stays exact."""

    class Meta:
        model = Transaction

    fan = factory.SubFactory(FanFactory)
    kind = choices.TransactionKind.TIP
    amount_cents = 1000

    @classmethod
    def _create(cls, model_class, **kwargs):
        txn, _created = services.transaction_record(**kwargs)
        return txn


class PlatformAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformAccount

    creator = factory.SubFactory(CreatorFactory)
    platform = choices.Platform.INSTAGRAM
    external_account_id = factory.Sequence(lambda n: f"1784{n:011d}")
    username = factory.Sequence(lambda n: f"creator_ig_{n}")


class ApiKeyFactory(factory.Factory):
    """Returns the ApiKey with its one-time raw value as `.raw_key`."""

    class Meta:
        model = ApiKey

    creator = factory.SubFactory(CreatorFactory)
    name = factory.Sequence(lambda n: f"key {n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        api_key, raw_key = services.api_key_create(**kwargs)
        api_key.raw_key = raw_key
        return api_key


class ScreeningMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningMethod

    fan = factory.SubFactory(FanFactory)
    method_type = "references"
    details = "Verified with a reference"


class ScreeningFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningFile

    fan = factory.SubFactory(FanFactory)
    file = factory.django.FileField(filename=".png", data=b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    original_name = "id.png"
    size = 72
    content_type = "image/png"
    sha256 = factory.Faker("sha256")


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    provider = "instagram"
    event_type = "comments"
    external_id = factory.Sequence(lambda n: f"instagram:acct:comments:{n}")
    account_id = "acct"
    payload = factory.LazyFunction(lambda: {"field": "comments", "value": {"id": "c1"}})
    received_at = factory.LazyFunction(timezone.now)


class AuthEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthEvent

    kind = choices.AuthEventKind.SIGN_IN_FAILED
    surface = choices.SignInSurface.PAGE
    identifier = factory.Sequence(lambda n: f"someone{n}@example.com")
    address = "203.0.113.7"


class UserSessionFactory(factory.django.DjangoModelFactory):
    """A signed-in browser session row (its data holds nothing: only the columns are read)."""

    class Meta:
        model = UserSession

    session_key = factory.Sequence(lambda n: f"session{n:026d}")
    session_data = ""
    expire_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    user = factory.SubFactory(UserFactory)
    signed_in_at = factory.LazyFunction(timezone.now)
    address = "198.51.100.4"
    user_agent = "Mozilla/5.0 (test)"
    auth_hash = factory.LazyAttribute(lambda o: o.user.get_session_auth_hash())


class RecoveryCodeDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecoveryCodeDevice

    user = factory.SubFactory(UserFactory)
    name = "Recovery codes"


class RecoveryCodeFactory(factory.django.DjangoModelFactory):
    """`code` is the raw code (not stored); the row keeps its hash."""

    class Meta:
        model = RecoveryCode
        exclude = ("code",)

    device = factory.SubFactory(RecoveryCodeDeviceFactory)
    code = factory.Sequence(lambda n: f"code{n:012d}")
    code_hash = factory.LazyAttribute(lambda o: token_hash(o.code))
class WebhookEventFanFactory(factory.django.DjangoModelFactory):
    """An event processed into a fan (the link erasure follows)."""

    class Meta:
        model = WebhookEventFan

    event = factory.SubFactory(WebhookEventFactory)
    fan = factory.SubFactory(FanFactory)


class SavedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "crm.SavedReply"

    creator = factory.SubFactory(CreatorFactory)
    title = factory.Sequence(lambda n: f"Reply {n}")
    body = "Hi {{ fan.name }}, thanks for writing!"
class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; its raw token is `.raw_token` (made as crm.teams.invitations does)."""

    class Meta:
        model = Invitation
        skip_postgeneration_save = True

    creator = factory.SubFactory(CreatorFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.com")
    role = "chatter"
    token_hash = factory.LazyAttribute(lambda o: token_hash(o.raw_token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    class Params:
        raw_token = factory.Sequence(lambda n: f"invitation-token-{n}")


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    creator = factory.SubFactory(CreatorFactory)
    action = "member.signed_in"
    object_type = "user"
    object_id = factory.LazyAttribute(lambda o: o.creator.user_id)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    creator = factory.SubFactory(CreatorFactory)
    name = factory.Sequence(lambda n: f"segment {n}")
    filters = factory.LazyFunction(lambda: {"tags_any": "vip"})


class ScheduledMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduledMessage

    conversation = factory.SubFactory(ConversationFactory)
    creator = factory.SelfAttribute("conversation.creator")
    fan = factory.SelfAttribute("conversation.fan")
    text = factory.Faker("sentence")
    send_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1))


class MassMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MassMessage

    creator = factory.SubFactory(CreatorFactory)
    text = "Hi {{ fan.name }}"


class MassMessageRecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MassMessageRecipient

    mass_message = factory.SubFactory(MassMessageFactory)
    fan = factory.SubFactory(FanFactory, creator=factory.SelfAttribute("..mass_message.creator"))
