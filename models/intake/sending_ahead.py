"""A worker's messages to the importer, written to the pipe by a thread of their own.

The worker builds chunk N+2 while chunk N+1 waits for the importer to take it and the importer writes chunk N:
one chunk more in flight than a plain ``send_bytes``, so a chunk the importer takes longer over (its page cache
spilling, an index page splitting) does not stall the worker, whose time is the import's. Messages go in the order
they are given; a failed write is raised by the next :meth:`SendingAhead.send` or by :meth:`SendingAhead.close`.
The sending thread spends its time in the pipe's ``write``, which holds no GIL.
"""

from __future__ import annotations

import queue
import threading
from multiprocessing.connection import Connection

AHEAD = 1
"""Messages waiting for the sending thread besides the one it is writing: each is a pickled chunk (some 10 MB)."""


class SendingAhead:
    """``send`` hands a message over and returns; ``close`` waits until every message is written."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=AHEAD)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name="reviewdesk-import-sending", daemon=True)
        self._thread.start()

    def send(self, message: bytes) -> None:
        self._raise_failure()
        self._waiting.put(message)

    def close(self) -> None:
        """Write what is waiting, end the thread, and raise a write that failed."""
        if not self.written():
            self._raise_failure()

    def written(self) -> bool:
        """Write what is waiting and end the thread; whether every message was written (for a worker that
        failed, before it sends its error: the pipe then still takes it)."""
        if self._thread.is_alive():
            self._waiting.put(None)
            self._thread.join()
        return self._error is None

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _write(self) -> None:
        while (message := self._waiting.get()) is not None:
            try:
                self._connection.send_bytes(message)
            except BaseException as error:  # noqa: BLE001 - raised in the worker's own thread by send or close
                self._error = error
                while self._waiting.get() is not None:  # let send and close go on, to find the error
                    pass
                return
