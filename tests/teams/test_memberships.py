"""The team's rules (crm.teams.services) and that every route declares its policy action."""

import pytest
from django.urls import get_resolver

from core.exceptions import InvalidInput
from crm import services
from crm.api.base import CreatorAPIView
from crm.models import Membership
from crm.teams import services as team_services
from crm.teams.policy import ALL_ACTIONS, Member, may_assign, may_set_role
from tests.factories import CreatorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_creator_has_its_login_as_first_owner():
    creator = services.creator_create(slug="new-one", email="new@example.com", password="a-long-password-1")
    assert list(Membership.objects.filter(creator=creator).values_list("user_id", "role")) == [
        (creator.user_id, "owner")
    ]


def test_the_creators_own_login_is_never_changed_by_the_team():
    creator = CreatorFactory()
    own = Membership.objects.get(creator=creator, user=creator.user)
    MembershipFactory(creator=creator, role="owner")  # another owner does not make it removable
    for change in (
        lambda: team_services.membership_set_role(membership=own, role="chatter"),
        lambda: team_services.membership_set_active(membership=own, is_active=False),
        lambda: team_services.membership_remove(membership=own),
    ):
        with pytest.raises(InvalidInput, match="own login stays its owner"):
            change()
    own.refresh_from_db()
    assert own.role == "owner" and own.is_active


def test_other_owners_come_and_go_beside_the_own_login():
    creator = CreatorFactory()
    second = MembershipFactory(creator=creator, role="owner")
    third = MembershipFactory(creator=creator, role="owner")
    team_services.membership_set_role(membership=second, role="manager")  # the own login and third remain
    team_services.membership_remove(membership=third)
    # Only the creator's own login is an owner now; a manager can be promoted and demoted again.
    team_services.membership_set_role(membership=second, role="owner")
    team_services.membership_set_active(membership=second, is_active=False)
    assert Membership.objects.get(pk=second.pk).is_active is False


def test_the_last_owner_guard_counts_active_owners_only():
    # A creator whose own login row is gone (e.g. made before the data migration): the guard
    # keeps the last *active* owner.
    creator = CreatorFactory()
    Membership.objects.filter(creator=creator, user=creator.user).delete()
    owner = MembershipFactory(creator=creator, role="owner")
    with pytest.raises(InvalidInput, match="at least one owner"):
        team_services.membership_set_role(membership=owner, role="manager")
    with pytest.raises(InvalidInput, match="at least one owner"):
        team_services.membership_remove(membership=owner)
    assert Membership.objects.get(pk=owner.pk).role == "owner"


def test_an_unknown_role_is_refused():
    membership = MembershipFactory(role="chatter")
    with pytest.raises(InvalidInput, match="Invalid role"):
        team_services.membership_set_role(membership=membership, role="boss")


def test_role_changes_by_role():
    creator = CreatorFactory()
    user = UserFactory()
    member = lambda role: Member(creator=creator, user=user, role=role)  # noqa: E731
    assert may_set_role(member("owner"), current_role="manager", new_role="owner")
    assert may_set_role(member("manager"), current_role="chatter", new_role="manager")
    assert not may_set_role(member("manager"), current_role="manager", new_role="owner")
    assert not may_set_role(member("manager"), current_role="owner", new_role="chatter")
    assert not may_set_role(member("chatter"), current_role="chatter", new_role="manager")


def test_who_may_assign_whom():
    creator = CreatorFactory()
    me, other = UserFactory(), UserFactory()
    chatter = Member(creator=creator, user=me, role="chatter")
    manager = Member(creator=creator, user=me, role="manager")
    assert may_assign(chatter, assignee_id=me.pk, current_assignee_id=None)  # take an unassigned one
    assert may_assign(chatter, assignee_id=None, current_assignee_id=me.pk)  # give one's own back
    assert not may_assign(chatter, assignee_id=me.pk, current_assignee_id=other.pk)  # take someone's
    assert not may_assign(chatter, assignee_id=other.pk, current_assignee_id=None)
    assert may_assign(manager, assignee_id=other.pk, current_assignee_id=me.pk)


def _creator_api_views():
    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
            else:
                view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                if view is not None and issubclass(view, CreatorAPIView):
                    yield pattern, view

    return list(walk(get_resolver().url_patterns))


def test_every_creator_api_route_declares_its_action_per_method():
    views = _creator_api_views()
    assert len(views) >= 25
    for pattern, view in views:
        served = {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
        assert served == set(view.policy_actions), (pattern, view)
        assert set(view.policy_actions.values()) <= set(ALL_ACTIONS)
