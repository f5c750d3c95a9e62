"""Leader-based group commit: many request threads, one writer at a time, one fsync per batch.

A thread submits a command and waits on its own event. If no leader is at work, the submitter
becomes the leader: it takes every command queued so far, runs them as one batch (the caller's
`run_batch` writes them with a single fsync) and wakes each one. If more commands queued up
meanwhile, it hands leadership to the oldest of them. No thread waits for a batch it is not in,
and no wake-up goes to a thread with nothing to do (no thundering herd on a shared condition).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any


class Closed(RuntimeError):
    """The queue was closed; nothing submitted after that runs."""


@dataclasses.dataclass(eq=False)
class Command:
    kind: str
    payload: Any = None
    result: dict[str, Any] | None = None
    error: BaseException | None = None
    done: bool = False
    wake: threading.Event = dataclasses.field(default_factory=threading.Event)


class GroupCommit:
    def __init__(self, run_batch: Callable[[list[Command]], None]) -> None:
        self._run_batch = run_batch
        self._mutex = threading.Lock()  # guards the three fields below, never held for I/O
        self._queue: list[Command] = []
        self._leader_busy = False
        self.closed = False

    def submit(self, command: Command, closing: bool = False) -> dict[str, Any]:
        """Run `command` in the next batch and return its result (or raise its error).

        :param closing: this is the last command; later submits raise `Closed`.
        """
        with self._mutex:
            if self.closed:
                raise Closed("the store is closed")
            self.closed = closing
            self._queue.append(command)
            lead = not self._leader_busy
            self._leader_busy = True
        if not lead:
            command.wake.wait()  # set when done, or when leadership is handed to us
        if not command.done:
            self._lead()
        if command.error is not None:
            raise command.error
        assert command.result is not None
        return command.result

    def _lead(self) -> None:
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            self._run_batch(batch)
        finally:
            for command in batch:
                if not command.done:  # run_batch died half-way: nobody may wait forever
                    command.error = RuntimeError("the commit was interrupted")
                    command.done = True
                command.wake.set()
            with self._mutex:
                if self._queue:
                    self._queue[0].wake.set()  # not done, so it leads the next batch
                else:
                    self._leader_busy = False
