"""Imports from the import page are not left hanging: a run whose task was lost or whose worker died is
queued again by the sweep beat runs every minute."""

import datetime

import pytest
from django.utils import timezone

from bulletin.texts.import_runs import import_runs_sweep
from bulletin.texts.models import ImportRun

pytestmark = pytest.mark.django_db

TASK = "bulletin.tasks.support_texts_import_task"


def _run(status, *, minutes_ago, language="de"):
    run = ImportRun.objects.create(source="zendesk", status=status, language=language)
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    return run


def test_a_queued_run_whose_task_was_lost_is_queued_again_in_its_language(
    fake_broker, django_capture_on_commit_callbacks
):
    lost = _run(ImportRun.Status.QUEUED, minutes_ago=5)
    _run(ImportRun.Status.QUEUED, minutes_ago=0)  # just started: its task is on its way
    with django_capture_on_commit_callbacks(execute=True):
        assert import_runs_sweep() == 1
    assert fake_broker.args_of(TASK) == [(lost.pk, "de")]


def test_a_running_run_whose_worker_died_is_queued_again_and_a_live_one_is_left_alone(
    fake_broker, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_STALE_MINUTES = 10
    died = _run(ImportRun.Status.RUNNING, minutes_ago=11)
    alive = _run(ImportRun.Status.RUNNING, minutes_ago=2)
    done = _run(ImportRun.Status.DONE, minutes_ago=60)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_runs_sweep() == 0  # requeued now, sent at the next sweep
    died.refresh_from_db(), alive.refresh_from_db(), done.refresh_from_db()
    assert died.status == ImportRun.Status.QUEUED
    assert alive.status == ImportRun.Status.RUNNING and done.status == ImportRun.Status.DONE
    # Queued again at the sweep after (a minute on), so a slow broker gets no second copy at once.
    with django_capture_on_commit_callbacks(execute=True):
        assert import_runs_sweep(now=timezone.now() + datetime.timedelta(minutes=2)) == 1
    assert fake_broker.args_of(TASK) == [(died.pk, "de")]
