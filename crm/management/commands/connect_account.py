"""Connect a creator's platform account so that platform's webhooks reach the creator."""

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from crm import selectors, services
from crm.choices import Platform


class Command(BaseCommand):
    help = "Connect a platform account (e.g. an Instagram business account id) to a creator."

    def add_arguments(self, parser):
        parser.add_argument("--creator", required=True, metavar="SLUG")
        parser.add_argument("--platform", required=True, choices=Platform.values)
        parser.add_argument("--account-id", required=True, dest="account_id")
        parser.add_argument("--username", default="")

    def handle(self, *args, creator, platform, account_id, username, **options):
        owner = selectors.creator_by_slug(creator)
        if owner is None:
            raise CommandError(f"No creator with slug '{creator}'")
        try:
            account = services.platform_account_connect(
                creator=owner, platform=platform, external_account_id=account_id, username=username
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Connected {account} to creator '{owner.slug}' (account id {account.pk})")
        )
