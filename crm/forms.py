from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from core.forms import PageForm
from core.uploads import ATTACHMENT_KINDS, check_upload

from .choices import (
    ClientCategory,
    Platform,
    Role,
    ScreeningStatus,
    SignInSurface,
    SubscriptionStatus,
    TransactionKind,
)
from .security import guard
from .selectors import contactable_creator
from .services import FAN_FIELDS
from .validators import (
    EMAIL_MAX_LENGTH,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    PHONE_MAX_LENGTH,
    clean_email,
    clean_phone,
    end_of_day_utc,
    validate_email,
    validate_occurred_at,
    validate_phone,
)


class GuardedSignInMixin:
    """A password form that spends the sign-in budgets (crm.security.guard) before checking the
    password and counts a wrong one; over a budget, `throttled` says until when (429)."""

    surface = SignInSurface.PAGE
    throttled: guard.SignInThrottled | None = None

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        user = guard.find_user(username)
        try:
            guard.sign_in_check(self.request, surface=self.surface, identifier=username, user=user)
        except guard.SignInThrottled as exc:
            self.throttled = exc
            raise ValidationError(exc.message, code="throttled")
        try:
            return super().clean()
        except ValidationError:
            guard.sign_in_failed(self.request, surface=self.surface, identifier=username, user=user)
            raise


class LoginForm(GuardedSignInMixin, AuthenticationForm):
    username = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class AdminLoginForm(GuardedSignInMixin, AdminAuthenticationForm):
    surface = SignInSurface.ADMIN


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


class PasswordConfirmForm(PageForm):
    """The account's current password, asked again before a change to its sign-in."""

    id_prefix = "confirm"
    password = forms.CharField(
        label="Current password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class RecoveryCodesForm(PasswordConfirmForm):
    id_prefix = "codes"


class TwoFactorDisableForm(PasswordConfirmForm):
    id_prefix = "disable"


# --- Creator pages -------------------------------------------------------------------------
# Plain forms: they validate shape only; the services decide everything with business meaning
# and their errors are put back next to the field they name (see `add_service_error`).

def split_tags(value: str) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


class TagsField(forms.CharField):
    """Comma-separated tag names → a list of names (the tag rule itself: crm.services.tags_resolve)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        # Room for the most tags the rule allows, at their longest, with ", " between them.
        kwargs.setdefault("max_length", MAX_TAGS * (MAX_TAG_LENGTH + 2))
        kwargs.setdefault("help_text", "Separate tags with commas.")
        super().__init__(**kwargs)

    def clean(self, value):
        return split_tags(super().clean(value))


class FanContactRuleMixin:
    """Email and phone checked by the fan rule (crm.validators, which the services apply too) as
    field errors, only when they change: a fan stored with a value the rule now refuses keeps it
    while it is left as it is. Edit forms pass the fan's values as `initial`."""

    def clean_email(self):
        return self._by_rule("email", clean_email)

    def clean_phone(self):
        return self._by_rule("phone", clean_phone)

    def _by_rule(self, name: str, clean):
        value = self.cleaned_data[name]
        return clean(value) if name in self.changed_data else value


class FanForm(FanContactRuleMixin, forms.Form):
    name = forms.CharField(max_length=255, required=False, help_text="Left empty: the handle or identifier.")
    platform = forms.ChoiceField(choices=Platform.choices, initial=Platform.ONLYFANS)
    platform_id = forms.CharField(label="Platform id", max_length=255, required=False)
    handle = forms.CharField(max_length=255, required=False)
    client_identifier = forms.CharField(label="Client identifier", max_length=255, required=False)
    # Email and phone: FanContactRuleMixin.
    email = forms.CharField(max_length=320, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(max_length=64, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    tags = TagsField()
    screening_status = forms.ChoiceField(choices=ScreeningStatus.choices, initial=ScreeningStatus.PENDING)
    client_category = forms.ChoiceField(choices=ClientCategory.choices, initial=ClientCategory.UNSCREENED)
    subscription_status = forms.ChoiceField(choices=SubscriptionStatus.choices, initial=SubscriptionStatus.NONE)

    # The fan's fields but the notes, which have their own form on the fan page.
    PROFILE_FIELDS = tuple(name for name in FAN_FIELDS if name != "notes")

    @classmethod
    def initial_for(cls, fan) -> dict:
        initial = {name: getattr(fan, name) or "" for name in cls.PROFILE_FIELDS}
        initial["tags"] = ", ".join(getattr(fan, "tag_names", []))
        return initial

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("name", "handle", "client_identifier", "email")):
            raise ValidationError("Give at least a name, handle, client identifier or email.")
        return data


class FanNotesForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Private: only you see them; stored encrypted.",
    )


class TransactionForm(PageForm):
    id_prefix = "txn"
    kind = forms.ChoiceField(
        choices=[c for c in TransactionKind.choices if c[0] != TransactionKind.OPENING_BALANCE],
        initial=TransactionKind.TIP,
    )
    amount = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=Decimal("10000000"), decimal_places=2, max_digits=12,
        help_text="In dollars, e.g. 12.50.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    platform = forms.ChoiceField(
        choices=[("", "Fan's platform"), *Platform.choices], required=False
    )
    occurred_at = forms.DateTimeField(
        label="When", required=False, help_text="Empty: now (UTC).", validators=[validate_occurred_at],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    external_id = forms.CharField(label="External id", max_length=255, required=False)
    message_id = forms.IntegerField(
        label="Unlocked message", required=False, min_value=1,
        help_text="For a PPV unlock: the id of the message it paid for (shown on the message in the thread).",
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "amount_cents": int(data["amount"] * 100),
            "platform": data["platform"] or None,
            "occurred_at": data["occurred_at"],
            "external_id": data["external_id"] or None,
        }


LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def parse_local_datetime(value: str, timezone_name: str):
    """A date and time typed in the creator's time zone (the picker's format), made aware; None
    when empty. A time with its own zone or another format is refused: one meaning only."""
    value = value.strip()
    if not value:
        return None
    for fmt in LOCAL_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(timezone_name))
        except ValueError:
            continue
    raise ValidationError(f"Use the date picker's format (YYYY-MM-DDTHH:MM), in your time zone ({timezone_name}).")


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(required=False, help_text="Optional: JPG, PNG, GIF, WEBP, PDF, DOC or DOCX, up to 10 MB.")
    # The comment this replies to (Instagram): set by a comment's "Reply to comment" link.
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    send_anyway = forms.BooleanField(
        required=False, label="Send anyway: I know this fan asked not to be contacted"
    )

    price = forms.DecimalField(
        label="PPV price", required=False, min_value=Decimal("0.01"), max_value=Decimal("100000"), decimal_places=2,
        max_digits=9, help_text="Optional, in dollars: the fan unlocks the message by paying it.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    send_at = forms.CharField(
        label="Send later", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, do_not_contact: bool = False, timezone_name: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.do_not_contact = do_not_contact
        self.timezone_name = timezone_name
        self.fields["send_at"].help_text = f"Optional: the time to send it, in your time zone ({timezone_name})."
        if not do_not_contact:
            del self.fields["send_anyway"]  # asked only about do-not-contact fans

    def clean_send_at(self):
        return parse_local_datetime(self.cleaned_data.get("send_at") or "", self.timezone_name)

    def price_cents(self) -> int:
        price = self.cleaned_data.get("price")
        return int(price * 100) if price else 0

    def clean_attachment(self):
        file = self.cleaned_data.get("attachment")
        if not file:
            return None
        try:
            return check_upload(file, kinds=ATTACHMENT_KINDS, label="Attachment")
        except ApplicationError as exc:
            raise ValidationError(exc.message)

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("text") or "").strip() and not data.get("attachment"):
            raise ValidationError("Write a message or attach a file.")
        if self.do_not_contact and not data.get("send_anyway"):
            self.add_error("send_anyway", "This fan asked not to be contacted: tick the box to send anyway.")
        return data


class ConversationTagsForm(forms.Form):
    tags = TagsField()


class FanTagsForm(PageForm):
    id_prefix = "fantags"
    tags = TagsField()


class ApiKeyForm(PageForm):
    id_prefix = "key"
    name = forms.CharField(max_length=100, help_text="A label to recognise the key, e.g. the tool that uses it.")


class DoNotContactForm(PageForm):
    id_prefix = "dnc"
    do_not_contact = forms.BooleanField(required=False, label="Do not contact this fan")
    reason = forms.CharField(max_length=255, required=False, help_text="Why, e.g. “Asked by email to stop”.")


class SavedReplyForm(PageForm):
    id_prefix = "sr"
    title = forms.CharField(max_length=100, help_text="What the picker shows, e.g. “Welcome”.")
    body = forms.CharField(
        label="Reply",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Variables: {{ fan.name }} and {{ creator.display_name }} are filled in when inserted.",
    )


class InstagramConnectForm(PageForm):
    id_prefix = "ig"
    external_account_id = forms.RegexField(
        label="Instagram account id", regex=r"^\d{1,32}$", max_length=32,
        error_messages={"invalid": "The account id is the number Meta shows for the account."},
    )
    username = forms.CharField(max_length=255, required=False)
    access_token = forms.CharField(
        label="Access token",
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="The account's long-lived Instagram token (stored encrypted). Needed to send replies.",
    )
    token_expires_at = forms.DateField(
        label="Token expires on", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Meta shows it with the token (long-lived tokens last 60 days); the settings warn before.",
    )
    delivery_enabled = forms.BooleanField(
        label="Send replies through Instagram",
        required=False,
        help_text="Off: replies are recorded only, as for tools that log what they sent elsewhere.",
    )

    def clean_token_expires_at(self):
        value = self.cleaned_data["token_expires_at"]
        return end_of_day_utc(value) if value else None


class InstagramDeliveryForm(PageForm):
    """The token and the delivery switch of an account already connected."""

    id_prefix = "igd"
    access_token = InstagramConnectForm.base_fields["access_token"]
    token_expires_at = InstagramConnectForm.base_fields["token_expires_at"]
    delivery_enabled = InstagramConnectForm.base_fields["delivery_enabled"]
    clean_token_expires_at = InstagramConnectForm.clean_token_expires_at


class ContactForm(forms.Form):
    """The public contact form of a creator (POST /api/contact/submit and the /c/<slug>/ page).

    `model_id` is the creator's slug. `website` and `company` are honeypots: hidden from people,
    so anything in them marks a bot (see crm.contact.contact_submit).
    """

    PREFERRED_CONTACT_CHOICES = [("email", "Email"), ("phone", "Phone"), ("either", "Either")]
    HONEYPOT_FIELDS = ("website", "company")

    model_id = forms.CharField(max_length=100, widget=forms.HiddenInput)
    name = forms.CharField(min_length=2, max_length=255)
    email = forms.CharField(max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput, validators=[validate_email])
    phone = forms.CharField(max_length=PHONE_MAX_LENGTH, required=False, validators=[validate_phone])
    subject = forms.CharField(min_length=3, max_length=255, required=False)
    message = forms.CharField(min_length=10, max_length=5000, widget=forms.Textarea)
    preferred_contact = forms.ChoiceField(choices=PREFERRED_CONTACT_CHOICES, required=False)
    consent_contact = forms.BooleanField(
        error_messages={"required": "You must agree to be contacted."},
        label="I agree to be contacted about my enquiry",
    )
    website = forms.CharField(required=False, widget=forms.HiddenInput)
    company = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_model_id(self):
        creator = contactable_creator(self.cleaned_data["model_id"])
        if creator is None:
            raise forms.ValidationError("Unknown creator.", code="unknown")
        self.creator = creator
        return creator.slug

    def clean_preferred_contact(self):
        return self.cleaned_data["preferred_contact"] or "email"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preferred_contact") == "phone" and not cleaned.get("phone"):
            self.add_error("phone", forms.ValidationError("A phone number is required to be contacted by phone.", code="required"))
        return cleaned


# --- The team (issue 17) ------------------------------------------------------------------


class InviteForm(PageForm):
    id_prefix = "invite"
    email = forms.CharField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CHATTER)


class MemberRoleForm(PageForm):
    role = forms.ChoiceField(choices=Role.choices)


class InvitationAcceptForm(PageForm):
    """A new login's password (checked by the password validators in the service)."""

    id_prefix = "join"
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
