"""What 修改设置 can still change: nothing a sheet's trust depends on.

The sheets' font is this PC's preference, not a workspace setting an insider can
rewrite for every PC; and a workspace whose CA was made with the public demo
passphrase stays a demo whatever the settings table says.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from models.exports.fonts import PDF_FONT_SETTING, choose_font, chosen_font
from tests.workspace_support import import_as
from models.review.conflicts import declare_conflict
from models.review.decisions import DecisionInput, decide
from models.signing.reviewers import init_ca, unlock
from models.workspace.workspace import Workspace
from sheets.single import export_with_key
from tests.insider import forge_logged
from tests.workspace_support import CA_PASSPHRASE, CHEAP, PASSPHRASE, intake_row, staffed_workspace, write_csv


def test_clearing_the_demo_setting_does_not_make_a_demo_workspace_look_real(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "ws") as ws:
        ws.set_setting("demo", "1", "系统")
        init_ca(ws, passphrase=CA_PASSPHRASE, kdf=CHEAP)
    forge_logged(tmp_path / "ws", ["DELETE FROM settings WHERE key = 'demo'"], action="修改设置", subject="demo")
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.setting("demo") == "" and ws.is_demo
    with Workspace.open(tmp_path / "real") as ws:
        init_ca(ws, passphrase=CA_PASSPHRASE, kdf=CHEAP)
        assert not ws.is_demo


HANAMIN = Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")  # fonts-hanazono: a TrueType CJK font


@pytest.mark.skipif(not HANAMIN.is_file(), reason="needs fonts-hanazono (scripts/system-deps.sh installs it)")
def test_a_font_written_into_the_workspace_is_not_what_sheets_are_drawn_with(tmp_path: Path) -> None:
    with staffed_workspace(tmp_path / "ws") as ws:
        import_as(ws, write_csv(tmp_path / "a.csv", [intake_row(1)]))
        declare_conflict(ws, "T00001", "审核员甲", has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput("T00001", "初审", "通过", "审核员甲", Decimal("300000")), PASSPHRASE)
        ws.set_setting(PDF_FONT_SETTING, str(HANAMIN), "审核员甲")
        assert chosen_font() is None
        sheet = export_with_key(ws, "T00001", tmp_path / "out", "审核员甲", unlock(ws, "审核员甲", PASSPHRASE))
    fonts = subprocess.run(["pdffonts", sheet.path], capture_output=True, text=True, check=True).stdout
    assert "HanaMin" not in fonts, fonts


def test_the_font_is_this_pcs_preference(tmp_path: Path) -> None:
    choose_font(str(HANAMIN))
    assert chosen_font() == str(HANAMIN)
    choose_font("")
    assert chosen_font() is None
