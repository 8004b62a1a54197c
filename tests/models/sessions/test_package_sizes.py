"""A results package is size-checked as it inflates, never read whole into memory."""

from __future__ import annotations

import json
import resource
import zipfile
from pathlib import Path

import pytest

from models.sessions.package import RESULTS_FORMAT, PackageRefused, read_package, write_package


def test_a_member_that_inflates_past_the_limit_is_refused_at_the_limit(tmp_path: Path) -> None:
    package = tmp_path / "结果.zip"
    write_package(package, RESULTS_FORMAT, {"session_id": "s"}, {"decisions.json": b"[]", "conflicts.json": b"[]"})
    bomb = tmp_path / "炸弹.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        manifest = json.loads(source.read("manifest.json"))
        out.writestr("manifest.json", json.dumps(manifest))
        out.writestr("conflicts.json", b"[]")
        info = zipfile.ZipInfo("decisions.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(b" " * (1 << 20))
    assert bomb.stat().st_size < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(PackageRefused, match="解压后为 200 MB，超过 64 MB 上限"):
        read_package(bomb, RESULTS_FORMAT)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB


def test_a_lying_declared_size_is_caught_by_counting(tmp_path: Path) -> None:
    bomb = tmp_path / "谎报.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("manifest.json", json.dumps({"format": RESULTS_FORMAT, "files": {"decisions.json": "0" * 64}}))
        out.writestr("decisions.json", b" " * (8 << 20))
    data = bytearray(bomb.read_bytes())
    # declared size 8 MiB → 1 KiB in the central directory and the local header
    data = data.replace((8 << 20).to_bytes(4, "little"), (1024).to_bytes(4, "little"))
    bomb.write_bytes(bytes(data))
    with pytest.raises(PackageRefused, match="未合并任何内容"):
        read_package(bomb, RESULTS_FORMAT)
