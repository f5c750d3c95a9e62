"""Abandon a store in-process the way kill -9 leaves it: no checkpoint, lock and journal let go."""

from __future__ import annotations

from collector.store import Store


def abandon(store: Store) -> None:
    """The kernel would drop the folder lock and close the journal; later `close()` does nothing."""
    store._closed = True
    store._journal.close()
    store._folder_lock.release()
