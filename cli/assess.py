"""``main.py assess FILE [--json]``: the engine's answer for every row, stored nowhere."""

from __future__ import annotations

import json
from typing import TextIO

from policy.assessment import Assessment
from policy.money import wan_text


def print_json(results: list[Assessment], out: TextIO) -> None:
    json.dump([r.to_json() for r in results], out, ensure_ascii=False, indent=2)
    out.write("\n")


def print_table(results: list[Assessment], out: TextIO) -> None:
    """A readable listing: one block per application, then the totals."""
    for r in results:
        cap = "—" if r.cap_yuan is None else wan_text(r.cap_yuan)
        recommended = "—" if r.recommended_yuan is None else wan_text(r.recommended_yuan)
        out.write(f"{r.application_id}  {r.item_name}（{r.clause_ref}）\n")
        out.write(f"    结论：{r.status_label}（{r.status}）  核定上限：{cap}  建议金额：{recommended}\n")
        for flag in r.flags:
            out.write(f"    ⚑ {flag}\n")
        for line in r.trace[1:]:
            out.write(f"    · {line}\n")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status_label] = counts.get(r.status_label, 0) + 1
    summary = "，".join(f"{label} {n} 件" for label, n in counts.items())
    out.write(f"共 {len(results)} 件：{summary}\n")
