from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from core.forms import PageForm
from core.uploads import ATTACHMENT_KINDS, check_upload

from .choices import ClientCategory, Platform, ScreeningStatus, SubscriptionStatus, TransactionKind
from .selectors import contactable_creator
from .validators import validate_occurred_at


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


# --- Creator pages -------------------------------------------------------------------------
# Plain forms: they validate shape only; the services decide everything with business meaning
# and their errors are put back next to the field they name (see `add_service_error`).

MAX_TAGS = 20


def split_tags(value: str) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in (value or "").split(",") if t.strip()))


class TagsField(forms.CharField):
    """Comma-separated tag names → a list of names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("help_text", "Separate tags with commas.")
        super().__init__(**kwargs)

    def clean(self, value):
        names = split_tags(super().clean(value))
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        if any(len(n) > 64 for n in names):
            raise ValidationError("A tag is at most 64 characters long.")
        return names


class FanForm(forms.Form):
    name = forms.CharField(max_length=255, required=False, help_text="Left empty: the handle or identifier.")
    platform = forms.ChoiceField(choices=Platform.choices, initial=Platform.ONLYFANS)
    platform_id = forms.CharField(label="Platform id", max_length=255, required=False)
    handle = forms.CharField(max_length=255, required=False)
    client_identifier = forms.CharField(label="Client identifier", max_length=255, required=False)
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(max_length=64, required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    tags = TagsField()
    screening_status = forms.ChoiceField(choices=ScreeningStatus.choices, initial=ScreeningStatus.PENDING)
    client_category = forms.ChoiceField(choices=ClientCategory.choices, initial=ClientCategory.UNSCREENED)
    subscription_status = forms.ChoiceField(choices=SubscriptionStatus.choices, initial=SubscriptionStatus.NONE)

    PROFILE_FIELDS = (
        "name", "platform", "platform_id", "handle", "client_identifier", "email", "phone",
        "screening_status", "client_category", "subscription_status",
    )

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

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "amount_cents": int(data["amount"] * 100),
            "platform": data["platform"] or None,
            "occurred_at": data["occurred_at"],
            "external_id": data["external_id"] or None,
        }


class MessageForm(forms.Form):
    text = forms.CharField(
        label="Message", required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(required=False, help_text="Optional: JPG, PNG, GIF, WEBP, PDF, DOC or DOCX, up to 10 MB.")

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
        return data


class ConversationTagsForm(forms.Form):
    tags = TagsField()


class ApiKeyForm(PageForm):
    id_prefix = "key"
    name = forms.CharField(max_length=100, help_text="A label to recognise the key, e.g. the tool that uses it.")


class InstagramConnectForm(PageForm):
    id_prefix = "ig"
    external_account_id = forms.RegexField(
        label="Instagram account id", regex=r"^\d{1,32}$", max_length=32,
        error_messages={"invalid": "The account id is the number Meta shows for the account."},
    )
    username = forms.CharField(max_length=255, required=False)


class ContactForm(forms.Form):
    """The public contact form of a creator (POST /api/contact/submit and the /c/<slug>/ page).

    `model_id` is the creator's slug. `website` and `company` are honeypots: hidden from people,
    so anything in them marks a bot (see crm.contact.contact_submit).
    """

    PREFERRED_CONTACT_CHOICES = [("email", "Email"), ("phone", "Phone"), ("either", "Either")]
    HONEYPOT_FIELDS = ("website", "company")

    model_id = forms.CharField(max_length=100, widget=forms.HiddenInput)
    name = forms.CharField(min_length=2, max_length=255)
    email = forms.EmailField(max_length=254)
    phone = forms.CharField(max_length=32, required=False)
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

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and (not set(phone) <= set("+0123456789 ()-.") or sum(c.isdigit() for c in phone) < 5):
            raise forms.ValidationError("Enter a valid phone number.", code="invalid")
        return phone

    def clean_preferred_contact(self):
        return self.cleaned_data["preferred_contact"] or "email"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preferred_contact") == "phone" and not cleaned.get("phone"):
            self.add_error("phone", forms.ValidationError("A phone number is required to be contacted by phone.", code="required"))
        return cleaned
