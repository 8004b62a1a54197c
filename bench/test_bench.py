"""Smoke test of the benchmark data and harness (tiny sizes; no timing asserted)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

from bench import generate
from bench.run import main


def test_generated_applications_cover_every_item_and_assess():
    from policy.catalog import load_policy
    from policy.engine import assess_batch

    policy = load_policy()
    apps = generate.applications(policy, 3 * len(policy.items))
    assert {app.item_id for app in apps} == set(policy.items)
    results = assess_batch(apps, policy)
    assert {r.status for r in results} >= {"eligible", "ineligible", "referral"}


def test_generated_csv_imports_cleanly(tmp_path):
    from models.intake.validate import read_applications
    from models.intake.uscc import check_uscc
    from policy.catalog import load_policy

    policy = load_policy()
    records = list(generate.records(policy, 2 * len(policy.items)))
    assert all(check_uscc(r.enterprise.uscc)[1:] == (None, None) for r in records)
    path = generate.write_csv(tmp_path / "apps.csv", records)
    apps = read_applications(path, policy)
    assert [a.application_id for a in apps] == [r.application_id for r in records]
    assert [a.item_id for a in apps] == [r.item.id for r in records]
    assert apps == [generate.to_application(r, row) for row, r in enumerate(records, start=2)]


def test_bench_prints_one_line_per_figure():
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["--rows", "200", "--repeat", "1", "--only", "bench_engine", "bench_import"])
    lines = out.getvalue().splitlines()
    assert status == 0, out.getvalue()
    assert len(lines) == 2
    assert all(line.rstrip().endswith(("PASS", "MISS")) for line in lines)
