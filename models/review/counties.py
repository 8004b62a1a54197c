"""The counties of 聊城市 in the order the city lists them, for filters and tables (not by character code)."""

from __future__ import annotations

from collections.abc import Iterable

# 聊城市 lists its counties and districts in this order; the development zones follow, as the data names them.
OFFICIAL_ORDER: tuple[str, ...] = ("东昌府区", "茌平区", "临清市", "阳谷县", "莘县", "东阿县", "冠县", "高唐县")


def in_official_order(values: Iterable[str]) -> list[str]:
    """Distinct non-empty ``values``: the counties in :data:`OFFICIAL_ORDER`, then the rest as first met."""
    seen = list(dict.fromkeys(v for v in values if v))
    rank = {name: n for n, name in enumerate(OFFICIAL_ORDER)}
    return sorted(seen, key=lambda name: (rank.get(name, len(rank)), seen.index(name) if name not in rank else 0))
