"""The staff back office. Writes with business meaning go through crm.services, as everywhere."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import Truncator

from . import services
from .choices import ScreeningStatus
from .crypto import email_hash, normalise_phone, phone_hash
from .exceptions import ApplicationError
from .models import ApiKey, Conversation, Creator, Fan, Message, PlatformAccount, Tag, Transaction, User


def cents(value: int | None) -> str:
    return "—" if value is None else f"{value / 100:,.2f}"


class LedgerRowAdmin(admin.ModelAdmin):
    """Rows whose removal would leave derived counters wrong (message counts, fan value).

    They go only with their fan, conversation or creator (a cascade, which needs the delete
    permission), never one by one: a refund corrects a transaction.
    """

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def render_change_form(self, request, context, *args, **kwargs):
        context["has_delete_permission"] = False
        return super().render_change_form(request, context, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False


# --- Users and creators ---------------------------------------------------------------------


class CrmUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "username")


class CrmUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Logins are by email (or username); the email is unique, case-insensitively."""

    form = CrmUserChangeForm
    add_form = CrmUserCreationForm
    list_display = ("email", "username", "creator", "is_staff", "is_superuser", "is_active", "last_login")
    list_select_related = ("creator",)
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "username", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    show_full_result_count = False
    @admin.display(description="creator")
    def creator(self, user: User) -> str:
        creator = getattr(user, "creator", None)
        return creator.slug if creator else ""

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "usable_password", "password1", "password2"),
            },
        ),
    )


class PlatformAccountInline(admin.TabularInline):
    model = PlatformAccount
    fields = ("platform", "external_account_id", "username", "connected_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Creator)
class CreatorAdmin(admin.ModelAdmin):
    list_display = ("slug", "display_name", "user", "timezone", "created_at")
    list_select_related = ("user",)
    search_fields = ("slug", "display_name", "user__email")
    list_filter = ("timezone",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)
    inlines = (PlatformAccountInline,)

    def get_readonly_fields(self, request, obj=None):
        # The slug is the public `model_slug` of the contact form: fixed once created.
        return (*self.readonly_fields, "slug") if obj else self.readonly_fields


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "creator")
    list_select_related = ("creator",)
    search_fields = ("name", "creator__slug")
    list_filter = ("name",)
    autocomplete_fields = ("creator",)


# --- Fans -----------------------------------------------------------------------------------


class FanAdminForm(forms.ModelForm):
    class Meta:
        model = Fan
        fields = (
            "creator",
            "name",
            "platform",
            "platform_id",
            "handle",
            "client_identifier",
            "email",
            "phone",
            "tags",
            "screening_status",
            "client_category",
            "subscription_status",
            "notes",
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 4}), "email": forms.TextInput, "phone": forms.TextInput}

    def clean(self):
        cleaned = super().clean()
        creator = cleaned.get("creator") or getattr(self.instance, "creator", None)
        tags = cleaned.get("tags")
        if creator and tags and any(tag.creator_id != creator.pk for tag in tags):
            self.add_error("tags", "Tags must belong to the fan's creator.")
        # The creator is read-only on change, so the model's own constraint check skips it.
        platform, platform_id = cleaned.get("platform"), cleaned.get("platform_id")
        if creator and platform_id:
            clash = Fan.objects.filter(creator=creator, platform=platform, platform_id=platform_id)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error("platform_id", "This creator already has a fan with this platform id.")
        return cleaned


@admin.register(Fan)
class FanAdmin(admin.ModelAdmin):
    """Email, phone and notes are shown and edited in clear; they are encrypted in the column."""

    form = FanAdminForm
    list_display = (
        "name",
        "creator",
        "platform",
        "handle",
        "value",
        "screening_status",
        "client_category",
        "subscription_status",
        "last_seen_at",
        "created_at",
    )
    list_select_related = ("creator",)
    list_filter = ("platform", "screening_status", "client_category", "subscription_status")
    search_fields = ("name", "handle", "platform_id", "client_identifier", "creator__slug")
    autocomplete_fields = ("creator", "tags", "screening_decided_by")
    readonly_fields = (
        "value",
        "email_hash",
        "phone_hash",
        "screening_decided_by",
        "screening_decided_at",
        "notes_updated_at",
        "last_contacted_at",
        "last_seen_at",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False
    actions = ("approve_screening", "reject_screening")

    @admin.display(description="value", ordering="value_cents")
    def value(self, fan: Fan) -> str:
        return cents(fan.value_cents)

    def get_readonly_fields(self, request, obj=None):
        # A fan never moves between creators: their messages and ledger carry the creator too.
        return (*self.readonly_fields, "creator") if obj else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        """Encrypted email and phone are found through their keyed hashes (exact match)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if "@" in term:
            results |= queryset.filter(email_hash=email_hash(term))
        elif len(normalise_phone(term).lstrip("+")) >= 6:
            results |= queryset.filter(phone_hash=phone_hash(term))
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name]
            for name in services.FAN_UPDATABLE_FIELDS
            if name in form.cleaned_data and (name in form.changed_data or not change)
        }
        status = fields.pop("screening_status", None) if change else None
        try:
            if change:
                services.fan_update(fan=obj, **fields)
                if status is not None:
                    services.fan_screening_decide(
                        fan=obj,
                        status=status,
                        decided_by=request.user,
                        client_category=fields.get("client_category"),
                    )
            else:
                fan = services.fan_create(creator=form.cleaned_data["creator"], **fields)
                obj.pk = fan.pk
                obj._state.adding = False
                obj.refresh_from_db()
        except ApplicationError as exc:
            # The form already validated the constraints; this is a race with another writer.
            raise PermissionDenied(exc.message) from exc

    def delete_model(self, request, obj):
        services.fan_delete(fan=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for fan in queryset:
            services.fan_delete(fan=fan)

    def _decide(self, request, queryset, status: str) -> None:
        with transaction.atomic():
            for fan in queryset.select_related("creator"):
                services.fan_screening_decide(fan=fan, status=status, decided_by=request.user)
        self.message_user(request, f"{queryset.count()} fan(s) marked {status}.", messages.SUCCESS)

    @admin.action(description="Approve screening of the selected fans")
    def approve_screening(self, request, queryset):
        self._decide(request, queryset, ScreeningStatus.APPROVED)

    @admin.action(description="Reject screening of the selected fans")
    def reject_screening(self, request, queryset):
        self._decide(request, queryset, ScreeningStatus.REJECTED)


# --- Conversations and messages -------------------------------------------------------------


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Threads are opened by fans' activity (APIs, contact form, webhooks), not here."""

    list_display = (
        "id",
        "fan",
        "creator",
        "platform",
        "subject",
        "message_count",
        "unread_count",
        "last_message_at",
        "is_archived",
    )
    list_select_related = ("fan", "creator")
    list_filter = ("platform", "is_archived")
    search_fields = ("subject", "platform_conversation_id", "fan__name", "fan__handle", "creator__slug")
    autocomplete_fields = ("tags",)
    fields = (
        "creator",
        "fan",
        "platform",
        "platform_conversation_id",
        "subject",
        "is_archived",
        "tags",
        "message_count",
        "unread_count",
        "last_message_at",
        "awaiting_reply_since",
        "created_at",
        "updated_at",
    )
    readonly_fields = (
        "creator",
        "fan",
        "platform",
        "platform_conversation_id",
        "message_count",
        "unread_count",
        "last_message_at",
        "awaiting_reply_since",
        "created_at",
        "updated_at",
    )
    show_full_result_count = False
    actions = ("mark_read", "archive", "unarchive")

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.conversation_update(
            conversation=obj,
            subject=form.cleaned_data.get("subject"),
            is_archived=form.cleaned_data.get("is_archived"),
        )

    def save_related(self, request, form, formsets, change):
        tags = form.cleaned_data.get("tags")
        if tags is not None and any(tag.creator_id != form.instance.creator_id for tag in tags):
            tags = [tag for tag in tags if tag.creator_id == form.instance.creator_id]
            self.message_user(request, "Tags of other creators were left out.", messages.WARNING)
        form.cleaned_data["tags"] = tags
        super().save_related(request, form, formsets, change)

    @admin.action(description="Mark the selected conversations read")
    def mark_read(self, request, queryset):
        with transaction.atomic():
            for conversation in queryset:
                services.conversation_mark_read(conversation=conversation)
        self.message_user(request, "Marked read.", messages.SUCCESS)

    @admin.action(description="Archive the selected conversations")
    def archive(self, request, queryset):
        self._set_archived(queryset, True)

    @admin.action(description="Unarchive the selected conversations")
    def unarchive(self, request, queryset):
        self._set_archived(queryset, False)

    @transaction.atomic
    def _set_archived(self, queryset, archived: bool) -> None:
        for conversation in queryset.select_related("creator"):
            services.conversation_update(conversation=conversation, is_archived=archived)


@admin.register(Message)
class MessageAdmin(LedgerRowAdmin):
    """Messages are read-only: counters and response times are derived from them."""

    list_display = (
        "id",
        "conversation_id",
        "fan",
        "creator",
        "direction",
        "message_type",
        "short_text",
        "price",
        "sent_by_ai",
        "response_seconds",
        "read_at",
        "created_at",
    )
    list_select_related = ("fan", "creator")
    list_filter = ("direction", "message_type", "sent_by_ai")
    search_fields = ("text", "platform_message_id", "fan__name", "creator__slug")
    autocomplete_fields = ("conversation", "fan", "creator")
    readonly_fields = ("response_seconds", "created_at")
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        return Truncator(message.text).chars(60)

    @admin.display(description="price", ordering="price_cents")
    def price(self, message: Message) -> str:
        return cents(message.price_cents) if message.price_cents else ""

    def has_add_permission(self, request):
        return False


# --- Money ----------------------------------------------------------------------------------


@admin.register(Transaction)
class TransactionAdmin(LedgerRowAdmin):
    """The ledger is append-only here; adding goes through services.transaction_record."""

    list_display = ("id", "occurred_at", "kind", "amount", "fan", "creator", "platform", "external_id")
    list_select_related = ("fan", "creator")
    list_filter = ("kind", "platform")
    search_fields = ("external_id", "fan__name", "fan__handle", "creator__slug")
    autocomplete_fields = ("fan", "message")
    fields = ("fan", "kind", "amount_cents", "platform", "external_id", "occurred_at", "message", "created_at")
    readonly_fields = ("created_at",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    @admin.display(description="amount", ordering="amount_cents")
    def amount(self, txn: Transaction) -> str:
        return cents(-txn.amount_cents if txn.kind == "refund" else txn.amount_cents)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "platform" in form.base_fields:
            form.base_fields["platform"].required = False
            form.base_fields["platform"].help_text = "Empty: the fan's platform."
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        message = data.get("message")
        if message is not None and message.fan_id != data["fan"].pk:
            message = None
        try:
            txn, created = services.transaction_record(
                fan=data["fan"],
                kind=data["kind"],
                amount_cents=data["amount_cents"],
                platform=data.get("platform") or None,
                external_id=data.get("external_id") or None,
                occurred_at=data.get("occurred_at"),
                message=message,
            )
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc
        if not created:
            self.message_user(request, "A transaction with this external id already existed.", messages.WARNING)
        obj.pk = txn.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_changeform_initial_data(self, request):
        return {"platform": ""}


# --- Platform accounts and API keys ---------------------------------------------------------


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = ("platform", "external_account_id", "username", "creator", "connected_at")
    list_select_related = ("creator",)
    list_filter = ("platform",)
    search_fields = ("external_account_id", "username", "creator__slug")
    autocomplete_fields = ("creator",)
    readonly_fields = ("connected_at",)

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return (*self.readonly_fields, "creator", "platform", "external_account_id")
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["username"])
            return
        try:
            account = services.platform_account_connect(
                creator=obj.creator,
                platform=obj.platform,
                external_account_id=obj.external_account_id,
                username=obj.username,
            )
        except ApplicationError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = account.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.platform_account_disconnect(account=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.platform_account_disconnect(account=account)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are generated by their creator (the raw value is shown once); staff can revoke them."""

    list_display = ("name", "prefix", "creator", "created_at", "last_used_at", "revoked_at", "is_active")
    list_select_related = ("creator",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "creator__slug")
    autocomplete_fields = ("creator",)
    readonly_fields = ("creator", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    @admin.display(boolean=True, description="active")
    def is_active(self, api_key: ApiKey) -> bool:
        return api_key.is_active

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        with transaction.atomic():
            for api_key in queryset:
                services.api_key_revoke(api_key=api_key)
        self.message_user(request, "Revoked.", messages.SUCCESS)
