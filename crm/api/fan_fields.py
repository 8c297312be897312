"""The consent and do-not-contact extension fields of a fan, the same on both surfaces
(docs/api-crm.md, docs/api-v1.md): read-only here; do-not-contact is written through
crm.services.fan_do_not_contact."""

from core.api.fields import iso_utc


def contact_permission_of(fan) -> dict:
    return {
        "consent_source": fan.consent_source or None,
        "consent_at": iso_utc(fan.consent_at),
        "consent_text": fan.consent_text or None,
        "do_not_contact": fan.do_not_contact,
        "do_not_contact_reason": fan.do_not_contact_reason or None,
        "do_not_contact_at": iso_utc(fan.do_not_contact_at),
    }
