from django.core.management.base import BaseCommand

from bulletin.demo import DEMO_PASSWORD, PEOPLE, demo_seed


class Command(BaseCommand):
    help = "Fill the database with demo teams, people and changes (idempotent)."

    def handle(self, *args, **options):
        result = demo_seed()
        self.stdout.write(
            f"Demo data ready: {result.created_people} people, {result.created_changes} changes and "
            f"{result.created_texts} support texts created."
        )
        self.stdout.write(f"Log in at /accounts/login/ with password {DEMO_PASSWORD!r} as:")
        for username, team, role, full_name in PEOPLE:
            self.stdout.write(f"  {username:<6} {full_name:<15} {role} of {team}")
