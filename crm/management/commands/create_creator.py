"""Create a creator account (a login plus its Creator profile) from the command line."""

import zoneinfo

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from crm import services


class Command(BaseCommand):
    help = "Create a creator who logs in at /auth/login with the given email and password."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="unique slug (the seed's model_slug)")
        parser.add_argument("--email", required=True, help="login email, unique across users")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="display name (default: the slug)")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone for monthly figures")

    def handle(self, *args, slug, email, password, name, timezone, **options):
        if timezone not in zoneinfo.available_timezones():
            raise CommandError(f"Unknown time zone '{timezone}' (use an IANA name such as Europe/Paris)")
        try:
            validate_password(password)
            creator = services.creator_create(
                slug=slug, email=email, password=password, display_name=name, timezone_name=timezone
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created creator '{creator.slug}' (login: {creator.user.email}, id {creator.pk})")
        )
