"""Connect a creator's platform account so that platform's webhooks reach the creator."""

import os
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from crm import selectors, services
from crm.choices import Platform
from crm.validators import end_of_day_utc


class Command(BaseCommand):
    help = "Connect a platform account (e.g. an Instagram business account id) to a creator."

    def add_arguments(self, parser):
        parser.add_argument("--creator", required=True, metavar="SLUG")
        parser.add_argument("--platform", required=True, choices=Platform.values)
        parser.add_argument("--account-id", required=True, dest="account_id")
        parser.add_argument("--username", default="")
        parser.add_argument(
            "--access-token-env", dest="token_env", metavar="VARIABLE",
            help="Name of an environment variable holding the access token (a token on the command line would sit in the shell history).",
        )
        parser.add_argument("--token-expires", dest="token_expires", metavar="YYYY-MM-DD", help="When the token expires.")
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument("--deliver", dest="deliver", action="store_true", default=None, help="Send replies through this account.")
        switch.add_argument("--no-deliver", dest="deliver", action="store_false", help="Record replies only (the default).")

    def handle(self, *args, creator, platform, account_id, username, token_env=None, token_expires=None, deliver=None, **options):
        owner = selectors.creator_by_slug(creator)
        if owner is None:
            raise CommandError(f"No creator with slug '{creator}'")
        token = ""
        if token_env:
            token = os.environ.get(token_env, "").strip()
            if not token:
                raise CommandError(f"The environment variable {token_env} is empty or unset")
        expires = None
        if token_expires:
            try:
                expires = end_of_day_utc(date.fromisoformat(token_expires))
            except ValueError:
                raise CommandError("--token-expires must be a date, YYYY-MM-DD") from None
        try:
            account = services.platform_account_connect(
                creator=owner,
                platform=platform,
                external_account_id=account_id,
                username=username,
                access_token=token,
                token_expires_at=expires,
                delivery_enabled=deliver,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Connected {account} to creator '{owner.slug}' (account id {account.pk}); "
                f"sending replies: {'on' if account.delivers else 'off'}"
            )
        )
