"""The calculator dialog lists what a demo enterprise received, applied for and may look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gui.calculator import CalculatorDialog
from models.review.calculator import enterprise_overview, known_enterprises
from demo.workspace import create_demo
from models.signing.keys import KdfParams
from models.workspace.workspace import Workspace
from policy.catalog import load_policy
from policy.money import wan_text

POLICY = load_policy()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("calculator-gui") / "ws"
    create_demo(folder, count=30, kdf=KdfParams.cheap_for_tests())
    ws = Workspace.open(folder, create=False)
    yield ws
    ws.close()


@pytest.fixture
def dialog(qtbot, demo: Workspace) -> CalculatorDialog:
    widget = CalculatorDialog(None, demo)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    return widget


def _column(table, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_lists_received_and_candidates_for_a_demo_enterprise(dialog: CalculatorDialog, demo: Workspace):
    enterprise = max(known_enterprises(demo.db),
                     key=lambda e: len(enterprise_overview(demo.db, e.uscc, POLICY).received))
    overview = enterprise_overview(demo.db, enterprise.uscc, POLICY)
    assert overview.received
    assert dialog.lookup(enterprise.uscc)
    assert dialog.title.text() == enterprise.name and enterprise.uscc in dialog.facts.text()
    assert _column(dialog.received, 0) == [r.item.name for r in overview.received]
    assert _column(dialog.received, 1) == [r.item.ref for r in overview.received]
    assert _column(dialog.received, 2) == [wan_text(r.approved_yuan) for r in overview.received]
    assert _column(dialog.applied, 0) == [a.item.name for a in overview.applied]
    assert _column(dialog.candidates, 0) == [c.item.name for c in overview.candidates]
    assert _column(dialog.candidates, 2) == [c.rule for c in overview.candidates]
    assert wan_text(overview.received_yuan) in dialog.received_box.title()
    referral = [c for c in overview.candidates if c.is_referral]
    assert referral and all("转办" in text for text, c in zip(_column(dialog.candidates, 3), overview.candidates)
                            if c.is_referral)


def test_textile_enterprise_shows_remaining_technical_transformation_room(dialog: CalculatorDialog, demo: Workspace):
    enterprise = next(e for e in known_enterprises(demo.db) if "纺织服装" in e.industries)
    assert dialog.lookup(enterprise.label())
    [room] = dialog.overview.rooms
    assert not dialog.room.isHidden()
    assert wan_text(room.remaining_yuan) in dialog.room.text() and "单户企业最高支持200万元" in dialog.room.text()


def test_completer_knows_every_enterprise(dialog: CalculatorDialog, demo: Workspace):
    labels = dialog.completer.model().stringList()
    assert labels == [e.label() for e in known_enterprises(demo.db)]


def test_unknown_enterprise_says_so(dialog: CalculatorDialog):
    assert not dialog.lookup("91371500000000000X")
    assert dialog.query.text() == "91371500000000000X"
    assert dialog.title.text() == "工作区中没有找到该企业"
    assert dialog.candidates.rowCount() == dialog.received.rowCount() == 0


def test_double_click_opens_the_items_clause(dialog: CalculatorDialog, demo: Workspace, qtbot):
    enterprise = known_enterprises(demo.db)[0]
    dialog.lookup(enterprise.name)
    item_id = dialog.overview.candidates[0].item.id
    with qtbot.waitSignal(dialog.item_requested) as requested:
        dialog._open(dialog.candidates, 0)
    assert requested.args == [item_id]
    assert dialog._browser.browser.current() == ("item", item_id)
    dialog._browser.close()


def test_renders(dialog: CalculatorDialog, demo: Workspace, qtbot, tmp_path):
    dialog.lookup(known_enterprises(demo.db)[0].uscc)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.grab().save(str(tmp_path / "calculator.png"))
