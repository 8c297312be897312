"""The demo team (`seed_demo`): a manager and two chatters with their own logins, conversations
assigned to each chatter, and replies each of them sent (attributed as any member's are)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from crm import services
from crm.choices import Direction, Role
from crm.models import Conversation, Membership

from . import assignment
from .actor import Actor, acting_as
from .policy import Member

DEMO_TEAM_PASSWORD = "demo12345"
DEMO_TEAM = (
    ("manager@example.com", Role.MANAGER),
    ("chatter1@example.com", Role.CHATTER),
    ("chatter2@example.com", Role.CHATTER),
)
REPLIES = ("On it! Give me a minute 💬", "Thanks for waiting, here's the link you asked for.", "Talk soon x")


@transaction.atomic
def seed_demo_team(creator) -> bool:
    """Create the team once; False when its logins already exist (nothing changes)."""
    User = get_user_model()
    if User.objects.filter(email__in=[email for email, _role in DEMO_TEAM]).exists():
        return False
    users = {}
    for email, role in DEMO_TEAM:
        user = User(username=email.split("@")[0], email=email)
        user.set_password(DEMO_TEAM_PASSWORD)
        user.save()
        Membership.objects.create(user=user, creator=creator, role=role)
        users[email] = user
    manager = Member(creator=creator, user=users["manager@example.com"], role=Role.MANAGER)
    chatters = [users["chatter1@example.com"], users["chatter2@example.com"]]
    # The six most recent open conversations, three for each chatter, each answered by them.
    recent = Conversation.objects.filter(creator=creator, is_archived=False).order_by("-last_message_at", "-id")[:6]
    for index, conversation in enumerate(recent):
        chatter = chatters[index % 2]
        with acting_as(Actor(user=manager.user)):
            assignment.conversation_assign(conversation=conversation, assignee_id=chatter.pk, member=manager)
        with acting_as(Actor(user=chatter)):
            services.message_add(
                conversation=conversation, direction=Direction.OUTGOING, text=REPLIES[index % len(REPLIES)]
            )
    return True
