from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


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
        from .selectors import creator_by_slug

        slug = self.cleaned_data["model_id"].strip().lower()
        creator = creator_by_slug(slug)
        if creator is None or not creator.user.is_active:
            raise forms.ValidationError("Unknown creator.", code="unknown")
        self.creator = creator
        return slug

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

    @property
    def is_spam(self) -> bool:
        return any(str(self.data.get(name) or "").strip() for name in self.HONEYPOT_FIELDS)
