"""The stored normalised bodies as a stream of row blocks, and a search over it on every core.

A full re-scan reads about 80 MB of text per 100,000 support texts. On
PostgreSQL the rows come through `COPY … TO STDOUT`: the bytes arrive in the
format the matcher reads, with no Python string per row. Elsewhere (SQLite, the
embedded default) the rows are encoded into the same format.

The automaton releases the GIL, so while the main thread reads the next block,
threads search the ones already read.
"""

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection
from django.db.models import QuerySet

from bulletin.texts.matching import PhraseMatcher, rows_block

BLOCK_BYTES = 4 * 1024 * 1024
ROWS_PER_BLOCK = 2000  # where rows are encoded one by one
# Blocks read ahead of the search; bounds memory at a few blocks whatever the corpus size.
MAX_PENDING_BLOCKS = 4


def corpus_blocks(*, texts: QuerySet) -> Iterator[bytes]:
    """(id, body_normalised) of `texts` as blocks of whole rows in PostgreSQL's COPY text format."""
    rows = texts.order_by().values_list("id", "body_normalised")
    if connection.vendor != "postgresql":
        batch = []
        for row in rows.iterator(chunk_size=ROWS_PER_BLOCK):
            batch.append(row)
            if len(batch) == ROWS_PER_BLOCK:
                yield rows_block(batch)
                batch = []
        if batch:
            yield rows_block(batch)
        return
    sql = connection.ops.compose_sql(*rows.query.sql_with_params())
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        for data in copy:  # one row per message
            buffer += data
            if len(buffer) >= BLOCK_BYTES:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


def corpus_find(*, matcher: PhraseMatcher, blocks: Iterator[bytes]) -> tuple[set[tuple[int, object]], int]:
    """{(row id, key)} for every phrase of `matcher` found in `blocks`, and how many rows they held."""
    found, rows = set(), 0
    if not matcher:  # nothing to look for: leave the corpus unread
        return found, rows
    pending: deque[Future] = deque()
    # More threads than blocks in flight would only wait; a container may report the host's cores.
    threads = min(MAX_PENDING_BLOCKS, len(os.sched_getaffinity(0)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="corpus-find") as pool:
        for block in blocks:
            rows += block.count(b"\n")
            pending.append(pool.submit(matcher.pairs_in_rows, block))
            while len(pending) > MAX_PENDING_BLOCKS:
                found |= pending.popleft().result()
        for future in pending:
            found |= future.result()
    return found, rows
