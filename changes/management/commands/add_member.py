import os

from django.core.management.base import BaseCommand, CommandError

from changes.members import member_add
from changes.models import Membership


class Command(BaseCommand):
    help = "Create a user and a team when missing and make the user a lead or agent of the team (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--team", required=True, help="Team slug, e.g. einkauf.")
        parser.add_argument("--role", required=True, choices=Membership.Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument("--team-name", default="", help="Name for a new team (default: from the slug).")

    def handle(self, *args, username, team, role, email, team_name, **options):
        password = os.environ.get("BULLETIN_PASSWORD") or None
        try:
            result = member_add(
                username=username, team_slug=team, role=role, email=email, team_name=team_name, password=password
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        for line in result.report():
            self.stdout.write(line)
        if not result.user.has_usable_password():
            self.stdout.write(
                f"{username} has no password yet. Set one with: python manage.py changepassword {username} "
                "(or run this command with BULLETIN_PASSWORD set)."
            )
