from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bulletin.texts.file_import import EXIT_NOTHING_READ, EXIT_SOME_REJECTED, rejected_lines
from bulletin.texts.helpdesk_api import SYNCED, HelpdeskNotConfigured
from bulletin.texts.syncing import SyncStatus, helpdesk_sync

EXIT_ALREADY_RUNNING = 3


class Command(BaseCommand):
    help = (
        "Pull macros and articles from the help desk's REST API (credentials from the environment, see README) "
        "into the support texts, as beat does every HELPDESK_SYNC_MINUTES. Exits 0 when done, 1 when some items "
        "were rejected, 2 when the help desk is not configured or its API failed, 3 when a sync of it is running."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=SYNCED, help="The help desk to sync.")
        parser.add_argument(
            "--full", action="store_true", help="List everything in full, also where an incremental listing exists."
        )

    def handle(self, *args, source, full, **options):
        try:
            result = helpdesk_sync(helpdesk=source, full=full)
        except HelpdeskNotConfigured as error:
            raise CommandError(str(error), returncode=EXIT_NOTHING_READ) from None
        if result.status == SyncStatus.ALREADY_RUNNING:
            raise CommandError(
                _("A sync of %(helpdesk)s is already running.") % {"helpdesk": source}, returncode=EXIT_ALREADY_RUNNING
            )
        counts = result.counts()
        self.stdout.write(
            _(
                "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(deactivated)s deactivated, "
                "%(rejected)s rejected, %(flags_dismissed)s flags dismissed; %(requests)s requests."
            )
            % counts
        )
        if result.listed_in_full:
            self.stdout.write(_("Listed in full: %(kinds)s.") % {"kinds": ", ".join(result.listed_in_full)})
        for line in rejected_lines(result.rejected):
            self.stdout.write(line)
        if result.status == SyncStatus.FAILED:
            raise CommandError(_("The sync failed: %(error)s") % {"error": result.error}, returncode=EXIT_NOTHING_READ)
        if result.rejected:
            raise CommandError(
                _("%(count)s items rejected (see above).") % {"count": len(result.rejected)},
                returncode=EXIT_SOME_REJECTED,
            )
