"""The blank pre-filled form for experts on paper: applicant, item, clause, trace, empty decision boxes."""

from __future__ import annotations

from models.review.casefile import Case
from sheets.content import content_from_case
from sheets.layout import render


def render_blank_form(case: Case, *, font_path: str | None = None) -> bytes:
    """Unsigned PDF bytes; no serial, code or decisions: those come with the exported sheet."""
    return render(content_from_case(case), None, font_path=font_path).pdf
