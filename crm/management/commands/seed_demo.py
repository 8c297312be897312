"""Idempotent demo setup: a demo creator with eight months of data, its team (a manager and two
chatters) and a staff superuser."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.exceptions import ApplicationError
from crm import services
from crm.demo import seed_demo_data
from crm.models import Creator
from crm.teams.demo import DEMO_TEAM, DEMO_TEAM_PASSWORD, seed_demo_team

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo12345"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin12345"


class Command(BaseCommand):
    help = "Create the demo creator, a staff superuser and demo data (running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the app answers, for the printed logins (`make run` passes its HOST and PORT).",
        )

    def handle(self, *args, base_url: str, **options):
        base_url = base_url.rstrip("/")
        started = time.monotonic()
        with transaction.atomic():
            creator = self._demo_creator()
            admin_created = self._admin()
            summary = seed_demo_data(creator)
            team_created = seed_demo_team(creator)
        if summary is None:
            self.stdout.write("Demo data already present: nothing changed.")
        else:
            kinds = ", ".join(f"{count} {kind}" for kind, count in summary.transactions.items())
            self.stdout.write(
                f"Demo data created in {time.monotonic() - started:.1f}s: {summary.fans} fans, "
                f"{summary.conversations} conversations, {summary.messages} messages, "
                f"transactions: {kinds}."
            )
        if team_created:
            self.stdout.write("Created the demo team: a manager and two chatters, six conversations assigned and answered.")
        if admin_created:
            self.stdout.write(f"Created the staff superuser {ADMIN_EMAIL}.")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo logins:\n"
                f"  creator  {DEMO_EMAIL} / {DEMO_PASSWORD}   {base_url}/auth/login\n"
                + "".join(
                    f"  {role.value:<8} {email} / {DEMO_TEAM_PASSWORD}   {base_url}/auth/login\n" for email, role in DEMO_TEAM
                )
                + f"  admin    {ADMIN_EMAIL} / {ADMIN_PASSWORD}   {base_url}/admin/"
                " (first sign-in: set up two-factor sign-in with an authenticator app)"
            )
        )

    def _demo_creator(self) -> Creator:
        creator = Creator.objects.select_related("user").filter(slug=DEMO_SLUG).first()
        if creator is not None:
            return creator
        try:
            return services.creator_create(
                slug=DEMO_SLUG, email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="Demo Creator"
            )
        except ApplicationError as exc:
            raise CommandError(f"Cannot create the demo creator: {exc.message}") from exc

    def _admin(self) -> bool:
        User = get_user_model()
        if User.objects.filter(email__iexact=ADMIN_EMAIL).exists():
            return False
        if User.objects.filter(username="admin").exists():
            raise CommandError("A user named 'admin' exists with another email; cannot create the demo admin")
        User.objects.create_superuser(username="admin", email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        return True
