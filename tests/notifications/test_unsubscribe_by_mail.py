"""The mailto: half of List-Unsubscribe: a mail client's unsubscribe mail, fed to the command as a mail server
would, ends that one subscription; a mail naming none is refused with the reason."""

import io
import mailbox
import sys
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Subscription
from notifications.unsubscribe import list_headers

pytestmark = pytest.mark.django_db


def _mail_client_reply(subscription) -> EmailMessage:
    """What a mail client sends for the mailto: link in List-Unsubscribe (RFC 2369, RFC 6068)."""
    header = list_headers(subscription)["List-Unsubscribe"]
    mailto = next(part.strip("<> ") for part in header.split(",") if "mailto:" in part)
    address = urlsplit(mailto)
    message = EmailMessage()
    message["From"] = subscription.target
    message["To"] = unquote(address.path)
    message["Subject"] = parse_qs(address.query)["subject"][0]
    message.set_content("")
    return message


@pytest.fixture
def two(make_user):
    mia, jonas = make_user("mia"), make_user("jonas")
    return [
        Subscription.objects.create(user=user, kind="email", target=user.email, topics=["digest"])
        for user in (mia, jonas)
    ]


def test_an_unsubscribe_mail_in_an_mbox_ends_that_subscription_only(two, tmp_path, capsys):
    box = mailbox.mbox(tmp_path / "unsubscribe.mbox")
    box.add(_mail_client_reply(two[0]))
    box.flush()
    call_command("unsubscribe_by_mail", str(tmp_path / "unsubscribe.mbox"))
    assert [s.active for s in Subscription.objects.order_by("pk")] == [False, True]
    assert "1 unsubscribed" in capsys.readouterr().out


def test_a_piped_mail_and_a_maildir_work_too(two, tmp_path, monkeypatch):
    piped = io.TextIOWrapper(io.BytesIO(_mail_client_reply(two[0]).as_bytes()))
    monkeypatch.setattr(sys, "stdin", piped)
    call_command("unsubscribe_by_mail")
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(_mail_client_reply(two[1]))
    call_command("unsubscribe_by_mail", str(tmp_path / "Maildir"))
    assert not Subscription.objects.filter(active=True).exists()


def test_a_mail_with_a_forged_token_changes_nothing_and_fails_with_the_reason(two, tmp_path):
    reply = _mail_client_reply(two[0])
    del reply["Subject"]
    reply["Subject"] = "unsubscribe " + "x" * 30
    box = mailbox.mbox(tmp_path / "bad.mbox")
    box.add(reply)
    box.flush()
    with pytest.raises(CommandError, match="named no subscription"):
        call_command("unsubscribe_by_mail", str(tmp_path / "bad.mbox"))
    assert Subscription.objects.filter(active=True).count() == 2
    with pytest.raises(CommandError, match="no such mbox"):
        call_command("unsubscribe_by_mail", str(tmp_path / "missing"))
