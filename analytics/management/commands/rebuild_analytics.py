from django.core.management.base import BaseCommand, CommandError

from analytics.services import analytics_rebuild
from crm.models import Creator


class Command(BaseCommand):
    help = "Recompute the analytics summaries from the raw messages and transactions."

    def add_arguments(self, parser):
        parser.add_argument("--creator", metavar="SLUG", help="only this creator (default: all)")

    def handle(self, *args, creator=None, **options):
        target = None
        if creator:
            target = Creator.objects.filter(slug=creator).first()
            if target is None:
                raise CommandError(f"No creator with slug '{creator}'")
        analytics_rebuild(creator=target)
        self.stdout.write(f"Rebuilt analytics summaries for {target.slug if target else 'all creators'}.")
