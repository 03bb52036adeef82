import threading

import pytest
from django.db import connections

from bulletin.digest.compiling import digest_compile
from bulletin.models import Digest
from tests.bulletin.conftest import WEEK


@pytest.mark.django_db(transaction=True)
def test_two_compilations_racing_for_a_week_end_with_one_digest(publish):
    publish("Garden furniture", starts=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def compile_once():
        try:
            barrier.wait()
            results.append(digest_compile(week=WEEK))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=compile_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Digest.objects.count() == 1 and Digest.objects.get().revision == 1
    assert sum(result.created for result in results) == 1
