"""One FilterSet per listable model, shared by the REST surfaces and the HTML list pages."""

import django_filters
from django.db.models import Q

from core.crypto import email_hash, phone_hash
from core.lookups import MAX_ID

from .choices import ClientCategory, Platform, ScreeningStatus, SubscriptionStatus, TransactionKind
from .models import Conversation, Fan, Transaction
from .validators import is_email, is_phone


def private_contact_match(term: str) -> Q | None:
    """Email and phone are stored encrypted: a term that is one (by the rule of crm.validators)
    matches its keyed hash. The fans page, both APIs' searches and the admin's use this."""
    if is_email(term):
        return Q(email_hash=email_hash(term))
    if is_phone(term):
        return Q(phone_hash=phone_hash(term))
    return None


class FanFilterSet(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    tag = django_filters.CharFilter(method="filter_tag", label="Tag")
    q = django_filters.CharFilter(method="filter_q", label="Search")
    screening_status = django_filters.ChoiceFilter(choices=ScreeningStatus.choices)
    client_category = django_filters.ChoiceFilter(choices=ClientCategory.choices)
    subscription_status = django_filters.ChoiceFilter(choices=SubscriptionStatus.choices)

    class Meta:
        model = Fan
        fields = ["platform", "tag", "q", "screening_status", "client_category", "subscription_status"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip()) if value.strip() else queryset

    def filter_q(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        condition = (
            Q(name__icontains=term)
            | Q(handle__icontains=term)
            | Q(client_identifier__icontains=term)
            | Q(platform_id__icontains=term)
        )
        contact = private_contact_match(term)
        return queryset.filter(condition | contact if contact is not None else condition)


ASSIGNED_CHOICES = [("mine", "Mine"), ("unassigned", "Unassigned"), ("all", "All")]


class ConversationFilterSet(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    tag = django_filters.CharFilter(method="filter_tag", label="Tag")
    archived = django_filters.BooleanFilter(field_name="is_archived", label="Archived")
    fan = django_filters.NumberFilter(field_name="fan_id", label="Fan", min_value=1, max_value=MAX_ID, decimal_places=0)
    q = django_filters.CharFilter(method="filter_q", label="Search")
    # Issue 17: `mine` (assigned to the acting member), `unassigned`, `all`.
    assigned = django_filters.ChoiceFilter(choices=ASSIGNED_CHOICES, method="filter_assigned", label="Assigned", empty_label="All")

    class Meta:
        model = Conversation
        fields = ["platform", "tag", "archived", "fan", "q", "assigned"]

    def __init__(self, *args, user_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id = user_id  # whose "mine"

    def filter_assigned(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assignee_id=self.user_id)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.strip()) if value.strip() else queryset

    def filter_q(self, queryset, name, value):
        """The fan's name or handle, or the conversation's subject."""
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(
            Q(fan__name__icontains=term) | Q(fan__handle__icontains=term) | Q(subject__icontains=term)
        )


class TransactionFilterSet(django_filters.FilterSet):
    fan = django_filters.NumberFilter(field_name="fan_id", label="Fan", min_value=1, max_value=MAX_ID, decimal_places=0)
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices)
    platform = django_filters.ChoiceFilter(choices=Platform.choices)

    class Meta:
        model = Transaction
        fields = ["fan", "kind", "platform"]
