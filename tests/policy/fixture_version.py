"""A test-only policy version: the real files with the 马德里 amount changed (1万元 → 2万元).

The source text, the clause and the item change together, so it loads under the
same checks as the real document; it lives only in a test's temporary folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path

from policy.catalog import DEFAULT_VERSION
from policy.versions import PolicyVersion, register_version, unregister_version

FILES = ("policy.toml", "clauses.toml", "items.toml", "regions.toml", "source.txt")
FIXTURE = "fixture-2026"
FIXTURE_FROM = date(2026, 1, 1)
OLD_SENTENCE, NEW_SENTENCE = "一次性奖励1万元", "一次性奖励2万元"


def write_fixture_files(folder: Path, extra_measure: tuple[str, str] | None = None) -> str:
    """Write the fixture's files into ``folder``; returns their data hash.

    ``extra_measure`` (产业, title) adds a measure without items, as a later
    document covering another industry would.
    """
    real = resources.files("resources").joinpath("policy", DEFAULT_VERSION)
    digest = hashlib.sha256()
    for name in FILES:
        data = real.joinpath(name).read_text("utf-8").replace(OLD_SENTENCE, NEW_SENTENCE)
        if name == "items.toml":
            data = data.replace('numbers.amount = { value = "1", unit = "万元", clause = "tex-3-4-1"',
                                'numbers.amount = { value = "2", unit = "万元", clause = "tex-3-4-1"')
        if name == "policy.toml" and extra_measure is not None:
            industry, title = extra_measure
            assert 'measures = ["生物医药", "纺织服装"]' in data and "measure_titles = { " in data
            data = data.replace('measures = ["生物医药", "纺织服装"]', f'measures = ["生物医药", "纺织服装", "{industry}"]')
            data = data.replace('measure_titles = { ', f'measure_titles = {{ "{industry}" = "{title}", ')
        (folder / name).write_text(data, encoding="utf-8")
        digest.update(name.encode() + b"\0" + data.encode("utf-8") + b"\0")
    return digest.hexdigest()


@contextmanager
def fixture_version_registered(folder: Path, extra_measure: tuple[str, str] | None = None) -> Iterator[str]:
    """The fixture version in force from 2026-01-01, registered beside the real one while inside."""
    folder.mkdir(parents=True, exist_ok=True)
    data_hash = write_fixture_files(folder, extra_measure)
    register_version(PolicyVersion(FIXTURE, "测试文号〔2026〕1号", FIXTURE_FROM, None, data_hash, 2, folder))
    try:
        yield FIXTURE
    finally:
        unregister_version(FIXTURE)
