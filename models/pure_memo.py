"""What a pure check found, remembered within this process under a digest of its exact input.

``audit verify`` runs before every export and re-does the same signature checks and re-derivations over
rows that mostly did not change since the last run. A memo here never decides that "nothing changed": each
use still reads every row and file as it is now, and only a check whose *entire* input is byte-for-byte one
already checked is answered from memory (its input's SHA-256 is the key, so a changed byte anywhere is a
different key and the check runs again). The memos live in memory only (nothing an insider can edit on disk),
are bounded, and are safe to share between threads.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from typing import Generic, TypeVar

Value = TypeVar("Value")

DEFAULT_CAPACITY = 65_536  # entries: a key is 32 bytes, so a full memo holds a few MB


def input_digest(*parts: object) -> bytes:
    """SHA-256 of ``parts`` as ``marshal`` writes them: two inputs share a digest only when they are equal value for
    value and type for type (``marshal.loads`` gives the parts back, so ``5``, ``5.0``, ``True``, ``"5"`` and
    ``b"5"`` all differ). Parts are str, bytes, int, float, bool, None and tuples of them, as SQLite gives them;
    an input with any other value (a ``Decimal`` from PostgreSQL) is digested as its ``repr``, under another tag."""
    try:
        framed = b"m" + marshal.dumps(parts, MARSHAL_VERSION)  # type: ignore[arg-type]  # refused below when not
    except ValueError:  # a type marshal does not write
        framed = b"r" + repr(parts).encode("utf-8", "backslashreplace")
    return hashlib.sha256(framed).digest()


MARSHAL_VERSION = 4


class PureMemo(Generic[Value]):
    """A bounded map from an input digest to the result of a pure function of that input.

    Only for functions whose result depends on nothing but the digested input (no clock, no database, no
    file): the caller puts what it computed and may get it back for an identical input. The oldest entries go
    first once ``capacity`` is reached.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._values: dict[bytes, Value] = {}
        self._lock = threading.Lock()

    def get(self, key: bytes) -> Value | None:
        return self._values.get(key)

    def put(self, key: bytes, value: Value) -> None:
        with self._lock:
            if key not in self._values and len(self._values) >= self._capacity:
                del self._values[next(iter(self._values))]
            self._values[key] = value

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
