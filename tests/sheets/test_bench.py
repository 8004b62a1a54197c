"""The benchmark helper runs end to end on a tiny batch (no timing asserted)."""

from __future__ import annotations

from bench.sheet_figures import measure


def test_measure_reports_signed_and_unsigned_rates() -> None:
    figures = measure(n=3, jobs=1, pairs=1)
    assert figures["sheets"] == 3
    assert figures["signed_per_second"] > 0 and figures["unsigned_per_second"] > 0
    assert figures["timestamped_per_second"] > 0 and figures["unsigned_beside_timestamped_per_second"] > 0
    assert figures["goal_signed_per_second"] == 40 and figures["goal_timestamped_per_second"] == 20
