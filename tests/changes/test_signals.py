"""`changes` announces each transition once, and only after the transaction commits."""

import datetime

import pytest
from django.db import transaction

from changes import services, signals
from changes.events import change_events_sweep
from changes.models import Change, ChangeEvent


@pytest.fixture
def heard():
    events = []

    def receiver(signal, sender, change, revision, **kwargs):
        events.append((signal, change.pk, revision, kwargs.get("changed_fields")))

    names = {
        signals.change_published: "published",
        signals.change_updated: "updated",
        signals.change_withdrawn: "withdrawn",
    }
    for signal in names:
        signal.connect(receiver, weak=False)
    yield events, names
    for signal in names:
        signal.disconnect(receiver)


def _names(heard):
    events, names = heard
    return [(names[signal], revision, fields) for signal, _pk, revision, fields in events]


def _draft(lead, team):
    return services.change_create(
        user=lead,
        data={
            "title": "Neuer Lieferant",
            "team": team,
            "category": "delivery_time",
            "customer_impact": "Länger.",
            "effective_from": datetime.date(2026, 12, 7),
            "channels": ["email"],
        },
    )


@pytest.mark.django_db(transaction=True)
def test_each_transition_is_announced_once_after_commit(lead, team, heard):
    change = _draft(lead, team)
    services.change_update(change=change, user=lead, data={"title": "Entwurf"})  # drafts are not news
    assert _names(heard) == []

    with transaction.atomic():
        services.change_publish(change=change, user=lead)
        assert _names(heard) == [], "nothing is announced before the commit"
    assert _names(heard) == [("published", 1, None)]

    services.change_update(change=change, user=lead, data={"title": "Neu"})
    services.change_update(change=change, user=lead, data={"title": "Neu"})  # no real change, no news
    services.change_withdraw(change=change, user=lead)
    assert _names(heard) == [("published", 1, None), ("updated", 2, ["title"]), ("withdrawn", 2, None)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_publish_announces_nothing(lead, team, heard):
    change = _draft(lead, team)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.change_publish(change=change, user=lead)
        raise RuntimeError("something later failed")
    assert _names(heard) == []
    assert Change.objects.get(pk=change.pk).status == Change.Status.DRAFT


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_does_not_undo_or_break_the_publish(lead, team):
    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    signals.change_published.connect(broken, weak=False)
    try:
        change = services.change_publish(change=_draft(lead, team), user=lead)
    finally:
        signals.change_published.disconnect(broken)
    assert Change.objects.get(pk=change.pk).status == Change.Status.PUBLISHED


@pytest.mark.django_db(transaction=True)
def test_announcing_again_runs_only_the_receivers_that_failed(lead, team, fake_broker):
    calls = {"steady": 0, "flaky": 0}
    broken = [True]

    def steady(signal, sender, change, **kwargs):
        calls["steady"] += 1

    def flaky(signal, sender, change, **kwargs):
        calls["flaky"] += 1
        if broken[0]:
            raise ConnectionError("broker away")

    signals.change_published.connect(steady, dispatch_uid="test.steady", weak=False)
    signals.change_published.connect(flaky, dispatch_uid="test.flaky", weak=False)
    try:
        services.change_publish(change=_draft(lead, team), user=lead)
        event = ChangeEvent.objects.get(kind="published")
        assert event.announced_at is None and "test.flaky" in event.last_error
        change_events_sweep(older_than=0)
        broken[0] = False
        change_events_sweep(older_than=0)
    finally:
        signals.change_published.disconnect(dispatch_uid="test.steady")
        signals.change_published.disconnect(dispatch_uid="test.flaky")
    event.refresh_from_db()
    assert event.announced_at is not None
    # One scan, one webhook per event: the receiver that finished is not run again for the one that failed.
    assert calls == {"steady": 1, "flaky": 3}
    assert fake_broker.args_of("bulletin.tasks.flags_scan_change_task") == [(event.change_id,)]
