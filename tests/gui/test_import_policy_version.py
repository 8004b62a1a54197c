"""The import dialog lets the reviewer set the policy version; the choice is recorded as its own event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gui.import_dialog import ImportDialog
from models.review.casefile import load_case
from models.workspace.workspace import Workspace
from policy.catalog import DEFAULT_VERSION
from tests.policy.fixture_version import fixture_version_registered
from tests.workspace_support import intake_row, signer_of, write_csv


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.open(tmp_path / "ws")
    yield ws
    ws.close()


def _madrid_2026(tmp_path: Path) -> Path:
    row = intake_row(1, **{"产业": "纺织服装", "申报事项": "马德里注册商标", "认定日期": "2026-03-01",
                           "申报年度": "2026", "申请金额(万元)": "2"})
    return write_csv(tmp_path / "2026.csv", [row])


def test_the_dialog_offers_every_version_and_defaults_to_the_year(qtbot, workspace: Workspace, tmp_path: Path):
    with fixture_version_registered(tmp_path / "fixture") as fixture:
        dialog = ImportDialog(None, workspace.folder, signer=signer_of(workspace))
        qtbot.addWidget(dialog)
        offered = [dialog.version_box.itemData(i) for i in range(dialog.version_box.count())]
        assert offered == [None, DEFAULT_VERSION, fixture]
        assert dialog.version_box.currentText() == "按申报年度确定（默认）"


def test_a_version_chosen_in_the_dialog_is_used_and_audited(qtbot, workspace: Workspace, tmp_path: Path):
    with fixture_version_registered(tmp_path / "fixture") as fixture:
        dialog = ImportDialog(None, workspace.folder, signer=signer_of(workspace))
        qtbot.addWidget(dialog)
        dialog.set_file(_madrid_2026(tmp_path))
        dialog.version_box.setCurrentIndex(dialog.version_box.findData(DEFAULT_VERSION))
        with qtbot.waitSignal(dialog.import_finished, timeout=30000):
            dialog.import_button.click()
        qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30000)
        actor, details = workspace.db.execute(
            "SELECT actor, details FROM audit WHERE action = '指定政策版本'").fetchone()
        assert (actor, json.loads(details)["policy_by_year"]) == ("审核员甲", fixture)
        case = load_case(workspace, "T00001")
        assert case.policy.version == DEFAULT_VERSION and "由 审核员甲 指定" in case.policy_note
