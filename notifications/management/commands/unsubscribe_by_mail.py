"""Read the mails sent to List-Unsubscribe's mailto: address and end the subscriptions they name.

Pipe one message from the mail server (a Postfix or Exim alias: "|manage.py unsubscribe_by_mail"), or give an
mbox or Maildir to go through. A message that names no valid subscription is reported and skipped; the exit
status is 1 when one of them was like that, so a mail server bounces it (the sender learns it did not work).
"""

import mailbox
import sys
from email import message_from_binary_file, policy
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from notifications.unsubscribe import unsubscribe_by_mail


class Command(BaseCommand):
    help = "End the subscriptions named by unsubscribe mails (from standard input, an mbox or a Maildir)."

    def add_arguments(self, parser):
        parser.add_argument(
            "source", nargs="?", metavar="MAILBOX", help="An mbox file or a Maildir; standard input if left out."
        )

    def handle(self, *args, source: str | None = None, **options):
        if source is None:
            messages = [("stdin", message_from_binary_file(sys.stdin.buffer, policy=policy.default))]
        else:
            path = Path(source)
            if not path.exists():
                raise CommandError(f"{source}: no such mbox or Maildir")
            box = mailbox.Maildir(path, create=False) if path.is_dir() else mailbox.mbox(path)
            messages = [(key, message) for key, message in box.iteritems()]
        ended = refused = 0
        for key, message in messages:
            subscription = unsubscribe_by_mail(message)
            if subscription is None:
                refused += 1
                self.stderr.write(f"{key}: subject {str(message.get('Subject', ''))!r} names no subscription")
            else:
                ended += 1
                self.stdout.write(f"{key}: unsubscribed {subscription}")
        if refused:
            raise CommandError(f"{ended} unsubscribed, {refused} mail(s) named no subscription")
        self.stdout.write(f"{ended} unsubscribed")
