"""Sending a digest to every subscription that wants it, through the notifications outbox.

Each subscription gets the digest narrowed by its filters (team, category,
channel, tag). Choice: a subscription *with* filters that leaves no entry is
skipped (an e-mail saying "nothing for you" is noise); one without filters
always gets the digest, even a quiet one, so agents know nothing changes.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from bulletin.digest.compiling import digest_compile
from bulletin.digest.models import Digest
from bulletin.digest.rendering import digest_headline, sections_for_display
from bulletin.digest.sections import (
    ChangeSection,
    Section,
    sections_change_ids,
    sections_counts,
    sections_from_json,
)
from bulletin.messages import message_render
from changes.languages import languages_of
from changes.models import Category, Channel, Membership, Team
from notifications.models import Subscription
from notifications.outbox import outbox_enqueue_many
from notifications.subscriptions import (
    DEFAULT_EMAIL_TOPICS,
    subscription_filter_labels_register,
    subscriptions_for_topic,
)

DIGEST_TOPIC = "digest"
# An e-mail lists at most this many changes per section (most severe first) and
# links to the page for the rest: it stays readable, and the outbox, which keeps
# one payload per subscriber, stays small (2,000 subscribers × a full 5,000-change
# digest would be gigabytes).
EMAIL_ENTRIES_PER_SECTION = 25


def subscription_wants_entry(subscription: Subscription) -> Callable[[dict], bool]:
    def wants(entry: dict) -> bool:
        return subscription.wants(
            team=entry["team_slug"], category=entry["category"], channels=entry["channels"], tags=entry["tags"]
        )

    return wants


def _team_names(slugs: set[str]) -> dict[str, str]:
    return dict(Team.objects.filter(slug__in=slugs).values_list("slug", "name"))


def subscription_filter_labels_connect() -> None:
    """Name the filter values subscription_wants_entry reads (team slugs, categories, channels) where a user sees
    their subscriptions: notifications stores them without knowing what they are."""
    subscription_filter_labels_register("teams", _team_names)
    subscription_filter_labels_register("categories", lambda values: dict(Category.choices))
    subscription_filter_labels_register("channels", lambda values: dict(Channel.choices))


def _has_filters(subscription: Subscription) -> bool:
    return bool(subscription.teams or subscription.categories or subscription.channels or subscription.tags)


def _filter_key(subscription: Subscription) -> tuple:
    return tuple(tuple(sorted(getattr(subscription, name))) for name in ("teams", "categories", "channels", "tags"))


def agent_subscriptions_ensure() -> int:
    """Give every agent with an e-mail address and no e-mail subscription the default one. Idempotent."""
    User = get_user_model()
    users = (
        User.objects.filter(is_active=True, memberships__role=Membership.Role.AGENT)
        .exclude(email="")
        .exclude(subscriptions__kind=Subscription.Kind.EMAIL)
        .distinct()
    )
    created = Subscription.objects.bulk_create(
        [
            Subscription(user=user, kind=Subscription.Kind.EMAIL, target=user.email, topics=list(DEFAULT_EMAIL_TOPICS))
            for user in users
        ]
    )
    return len(created)


def digest_url(digest: Digest) -> str:
    return settings.SITE_URL + digest.get_absolute_url()


def digest_read_url(digest: Digest) -> str:
    # The page's last "Mark as read" button: a link cannot mark anything itself (a mail scanner would follow it).
    return f"{digest_url(digest)}#digest-end"


def _payloads(digest: Digest, sections: list[Section], *, language: str) -> dict[str, dict]:
    """The e-mail, Slack and webhook payloads for one view of the digest, written in `language`."""
    url = digest_url(digest)
    counts = sections_counts([section for section in sections if isinstance(section, ChangeSection)])
    change_ids = sections_change_ids(sections)
    sections = [section.limited(EMAIL_ENTRIES_PER_SECTION) for section in sections]
    with translation.override(language):
        shown = sections_for_display(sections)
        context = {
            "week": digest.week,
            "headline": digest_headline(monday=digest.monday, compiled_at=digest.compiled_at),
            "counts": counts,
            "sections": shown,
            "change_sections": [section for section in shown if section["kind"] == "changes"],
            "digest_url": url,
            "read_url": digest_read_url(digest),
        }
    payloads = message_render("digest", context, language=language, more_url=url)
    payloads[Subscription.Kind.WEBHOOK] = {
        "event": "digest.compiled",
        "body": {
            "type": "digest.compiled",
            "week": digest.week,
            "revision": digest.revision,
            "url": url,
            "counts": counts,
            "changes": change_ids,
            # The whole digest, sections and all, is at the API; a payload per subscriber stays small.
            "api_url": settings.SITE_URL + reverse("digest-detail", args=[digest.week]),
        },
    }
    return payloads


def subscription_languages(subscriptions: list[Subscription]) -> dict[int, str]:
    """{subscription id: the language its messages are written in}: a person's own for their e-mail, the
    service's (LANGUAGE_CODE) for a team's channel or a webhook."""
    personal = {s.user_id for s in subscriptions if s.user_id and s.kind == Subscription.Kind.EMAIL}
    people = languages_of(personal)
    return {
        s.pk: people.get(s.user_id, settings.LANGUAGE_CODE)
        if s.kind == Subscription.Kind.EMAIL
        else settings.LANGUAGE_CODE
        for s in subscriptions
    }


def delivery_key(digest: Digest) -> str:
    return f"digest:{digest.week}:r{digest.revision}"


@transaction.atomic
def digest_deliver(*, digest: Digest) -> int:
    """Record one delivery of this digest revision per active "digest" subscription; return how many are new.

    Idempotent: the outbox key digest:<week>:r<revision> is unique per
    subscription, so running this again (or after a crash) sends nothing twice.
    Sending happens in the outbox task after commit.
    """
    # Two deliveries at once (a second beat) each subscribed the agents who had no subscription yet, and sent
    # them two digests: the second waits here until the first has committed, and then finds nothing new to do.
    list(Digest.objects.select_for_update().filter(pk=digest.pk).values_list("pk", flat=True))
    agent_subscriptions_ensure()
    key = delivery_key(digest)
    already = set(
        Subscription.objects.filter(deliveries__key=key).values_list("pk", flat=True)
    )
    stored = sections_from_json(digest.sections)
    cache: dict[tuple, dict | None] = {}
    messages = []
    subscriptions = [s for s in subscriptions_for_topic(DIGEST_TOPIC) if s.pk not in already]
    languages = subscription_languages(subscriptions)
    for subscription in subscriptions:
        filter_key = (_filter_key(subscription), languages[subscription.pk])
        if filter_key not in cache:
            sections = stored
            if _has_filters(subscription):
                wants = subscription_wants_entry(subscription)
                sections = [section.filtered(wants) for section in stored]
            # A filtered subscription left with nothing is skipped (see the module docstring).
            nothing = _has_filters(subscription) and not sections_change_ids(sections)
            cache[filter_key] = None if nothing else _payloads(digest, sections, language=filter_key[1])
        if cache[filter_key] is not None:
            messages.append((subscription, cache[filter_key][subscription.kind]))
    new = len(outbox_enqueue_many(key=key, messages=messages))
    if new or already:
        # Compiled is not sent: the digest went out once its deliveries are recorded (they leave after commit).
        Digest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return new


def digest_compile_and_deliver(*, week: str | None = None, send: bool = True) -> int:
    """Compile the week's digest (the current week by default) and, with `send`, record its deliveries.

    Idempotent, as both steps are: returns how many deliveries are new.
    """
    digest = digest_compile(week=week).digest
    return digest_deliver(digest=digest) if send else 0
