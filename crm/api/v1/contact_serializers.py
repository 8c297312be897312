"""Answers of POST /api/contact/submit (seed-002 surface), declared once for the response and
the OpenAPI schema. The request is validated by the page's own form (crm.forms.ContactForm); its
schema is described from that form (core.api.schema.form_body)."""

from rest_framework import serializers

from crm.contact import CONTACT_THANKS


class ContactAcceptedSerializer(serializers.Serializer):
    # An accepted submission (a crm.contact.ContactResult).

    success = serializers.SerializerMethodField(help_text="Always true")
    message = serializers.SerializerMethodField()
    conversation_id = serializers.IntegerField(source="conversation.pk")

    def get_success(self, result) -> bool:
        return True

    def get_message(self, result) -> str:
        return CONTACT_THANKS


class ContactFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ContactRejectedSerializer(serializers.Serializer):
    # A refused submission (a crm.contact.ContactResult): the form's errors, or, when a honeypot
    # was filled, no hint at all.

    success = serializers.SerializerMethodField(help_text="Always false")
    error = serializers.SerializerMethodField(help_text="`Validation failed` or `Submission rejected`")
    details = ContactFieldErrorSerializer(source="errors", many=True, required=False)

    def get_success(self, result) -> bool:
        return False

    def get_error(self, result) -> str:
        return "Submission rejected" if result.spam else "Validation failed"

    def to_representation(self, result):
        data = super().to_representation(result)
        if result.spam:
            # No hint of which field gave the bot away.
            del data["details"]
        return data
