"""Delete screening files older than SCREENING_FILE_RETENTION_DAYS (unset: keep everything).

Run it daily (cron, a systemd timer, or the `purge_expired_screening_files` task).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from screening.selectors import screening_files_expired
from screening.services import (
    screening_files_purge_expired,
    screening_orphans_purge,
    screening_retention_cutoff,
)


class Command(BaseCommand):
    help = "Delete screening files (rows and stored objects) older than SCREENING_FILE_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report how many files would be removed."
        )
        parser.add_argument(
            "--orphans",
            action="store_true",
            help="Also delete stored screening objects that no file row references (older than an hour).",
        )

    def handle(self, *args, dry_run: bool = False, orphans: bool = False, **options):
        if orphans:
            count = screening_orphans_purge(dry_run=dry_run)
            verb = "Would remove" if dry_run else "Removed"
            self.stdout.write(f"{verb} {count} orphaned stored screening object(s).")
        days = settings.SCREENING_FILE_RETENTION_DAYS
        if days is None:
            self.stdout.write("SCREENING_FILE_RETENTION_DAYS is not set: keeping every screening file.")
            return
        if days < 0:
            raise CommandError("SCREENING_FILE_RETENTION_DAYS must be 0 or more.")
        cutoff = screening_retention_cutoff(retention_days=days)
        if dry_run:
            count = screening_files_expired(cutoff=cutoff).count()
            self.stdout.write(
                f"Dry run: {count} screening file(s) older than {days} day(s) would be removed."
            )
            return
        removed = screening_files_purge_expired(retention_days=days)
        self.stdout.write(self.style.SUCCESS(f"Removed {removed} screening file(s) older than {days} day(s)."))
