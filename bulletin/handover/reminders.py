"""One reminder e-mail for a handover support has not confirmed shortly before the change takes effect.

It goes to the change's filing lead and to every lead of a support team, HANDOVER_REMINDER_DAYS before the
change takes effect (or at the next run, for a change published later than that). Once per change and
person however often it runs: each message has the outbox key handover-reminder:<change id>.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from bulletin.messages import message_render
from changes.languages import languages_of
from changes.models import Change, Membership
from notifications.outbox import outbox_enqueue
from notifications.subscriptions import subscriptions_email_personal

REMINDER_TOPIC = "handover_reminder"


def handovers_to_remind(today: datetime.date):
    """Published changes taking effect within HANDOVER_REMINDER_DAYS (or in effect), not ended, unconfirmed."""
    last_start = today + datetime.timedelta(days=settings.HANDOVER_REMINDER_DAYS)
    return (
        Change.objects.awaiting_handover(today)
        .filter(effective_from__lte=last_start)
        .select_related("team", "created_by")
        .order_by("effective_from", "id")
    )


def _message(change: Change, today: datetime.date, *, language: str) -> dict:
    context = {
        "change": change,
        "days": (change.effective_from - today).days,
        "url": f"{settings.SITE_URL}{change.get_absolute_url()}#handover",
    }
    url = context["url"]
    return message_render("handover_reminder", context, language=language, more_url=url, slack=False)["email"]


@transaction.atomic
def handover_reminders_send(*, today: datetime.date) -> int:
    """Queue the reminders due today; returns how many messages were new."""
    support_leads = list(
        get_user_model().objects.filter(
            memberships__role=Membership.Role.LEAD, memberships__team__handles_support=True
        ).distinct()
    )
    sent = 0
    for change in handovers_to_remind(today):
        people = {user.pk: user for user in [change.created_by, *support_leads]}
        subscriptions = subscriptions_email_personal(users=list(people.values()), topic=REMINDER_TOPIC)
        if not subscriptions:
            continue
        languages = languages_of(subscriptions)  # each person reads it in their own
        payloads = {language: _message(change, today, language=language) for language in set(languages.values())}
        key = f"handover-reminder:{change.pk}"
        for user_id, subscription in subscriptions.items():
            if outbox_enqueue(subscription=subscription, key=key, payload=payloads[languages[user_id]]) is not None:
                sent += 1
    return sent
