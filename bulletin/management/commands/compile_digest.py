from django.core.management.base import BaseCommand, CommandError

from bulletin.digest.compiling import digest_compile
from bulletin.digest.delivery import digest_deliver
from bulletin.digest.rendering import section_title
from bulletin.digest.sections import sections_from_json
from bulletin.weeks import week_monday


class Command(BaseCommand):
    help = "Compile the digest of an ISO week (the current one by default) and optionally send it."

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO week like 2026-W48; default: the current week in TIME_ZONE.")
        parser.add_argument(
            "--send", action="store_true", help="Record one delivery per subscriber (the worker sends them)."
        )

    def handle(self, *args, week=None, send=False, **options):
        if week is not None:
            try:
                week_monday(week)
            except ValueError as error:
                raise CommandError(f"--week: {error}") from None
        result = digest_compile(week=week)
        digest = result.digest
        state = "new" if result.created else ("changed" if result.changed else "unchanged")
        self.stdout.write(f"Week {digest.week}, revision {digest.revision} ({state})")
        for section in sections_from_json(digest.sections):
            self.stdout.write(f"  {section_title(section)}: {section.count}")
        if send:
            created = digest_deliver(digest=digest)
            self.stdout.write(f"Deliveries recorded: {created}")
