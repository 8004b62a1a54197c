"""How deep a JSON text nests, found without recursing (``json.loads`` would)."""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def deepest_record(text: str, limit: int) -> int | None:
    """The 1-based number of the first top-level element nesting deeper than ``limit``, or None.

    The top-level array is level 1 and each record in it level 2.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    record = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth == 2:
                record += 1
            if depth > limit:
                return max(record, 1)
        else:
            depth -= 1
    return None
