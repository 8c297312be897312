"""What the rule tests share: a creator reachable through every door at once.

Each module of this package takes one business rule and drives it through every entry point that
exposes it (its matrix is in the module's docstring), asserting the same stored result.
"""

from dataclasses import dataclass

import pytest

from crm.models import Fan


@dataclass
class Doors:
    """One creator, and a client for each way in."""

    creator: object
    page: object  # the creator's browser session (pages)
    crm: object  # seed 000, JWT cookie (/api/crm)
    v1: object  # seed 002, API key (/api/v1)
    staff: object  # a superuser's admin session
    anon: object  # no login (the public contact form)

    def actor(self, door: str):
        """Who a door's write is recorded as: staff in the admin, the creator elsewhere."""
        return self.staff.user if door.startswith("admin") else self.creator.user


@pytest.fixture
def doors(creator, page_client, crm_client, v1_client, staff, anon_client) -> Doors:
    return Doors(creator=creator, page=page_client, crm=crm_client, v1=v1_client, staff=staff, anon=anon_client)


def profile_form(fan, **changes) -> dict:
    """The fan page's profile form as the browser posts it back, with `changes`."""
    data = {
        "name": fan.name, "platform": fan.platform, "platform_id": fan.platform_id or "",
        "handle": fan.handle, "client_identifier": fan.client_identifier, "email": fan.email,
        "phone": fan.phone, "tags": ", ".join(t.name for t in fan.tags.all()),
        "screening_status": fan.screening_status, "client_category": fan.client_category,
        "subscription_status": fan.subscription_status,
    }
    return {**data, **changes}


def new_fan_form(**fields) -> dict:
    """The fans page's new-fan form with its defaults."""
    return {
        "name": "", "platform": "direct", "platform_id": "", "handle": "", "client_identifier": "",
        "email": "", "phone": "", "tags": "", "screening_status": "pending",
        "client_category": "unscreened", "subscription_status": "none", **fields,
    }


def admin_new_fan_form(creator, **fields) -> dict:
    from tests.helpers import INLINE_MANAGEMENT

    return {"creator": creator.pk, **new_fan_form(**fields), "tags": [], "notes": "", **INLINE_MANAGEMENT}


def fan_named(creator, name: str) -> Fan | None:
    return Fan.objects.filter(creator=creator, name=name).first()
