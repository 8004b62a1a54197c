"""Fixtures for models/: valid codes, generated CSV/XLSX/JSON files, and a staffed workspace."""

from __future__ import annotations

import csv
from collections.abc import Iterator
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from models.intake.columns import HEADERS
from models.intake.uscc import org_code_check_char, uscc_check_char
from models.workspace.workspace import Workspace
from policy.catalog import Policy, load_policy
from tests.workspace_support import staffed_workspace

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # letters a USCC may use


def valid_uscc(serial: int, region: str = "371502") -> str:
    """A valid code whose embedded 组织机构代码 is valid too."""
    body = "MA"
    for _ in range(6):
        serial, digit = divmod(serial, len(_ORG_ALPHABET))
        body += _ORG_ALPHABET[digit]
    first17 = "91" + region + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


@dataclass(frozen=True)
class Formula:
    """An XLSX cell holding a formula (with the value Excel cached for it)."""

    formula: str
    value: object


class IntakeFiles:
    """Writes intake files into a test's tmp_path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    uscc = staticmethod(valid_uscc)
    formula = Formula

    def row(self, number: int = 1, **overrides: object) -> dict[str, object]:
        """A valid application row (header → cell); a keyword may leave out the (万元) part."""
        row: dict[str, object] = {
            "申报编号": f"LC2024-{number:03d}",
            "企业名称": f"聊城第{number}纺织有限公司",
            "统一社会信用代码": valid_uscc(number),
            "所属县区": "东昌府区",
            "产业": "纺织服装",
            "申报事项": "技术改造项目",
            "认定日期": "2023-09-01",
            "申报年度": "2024",
            "数量": "",
            "总投资额(万元)": "800",
            "设备购置额(万元)": "600",
            "亩产效益评价": "A",
            "上级资助金额(万元)": "",
            "飞地所在地区": "",
            "绩效评估": "",
            "申请金额(万元)": "60",
            "附件": "项目备案文件；设备发票",
        }
        for key, value in overrides.items():
            header = next((h for h in row if h.split("(")[0] == key), key)
            row[header] = value
        return row

    def csv(self, name: str, rows: list[dict[str, object]], encoding: str = "utf-8",
            headers: tuple[str, ...] | list[str] = HEADERS, bom: bool = False) -> Path:
        path = self.folder / name
        with path.open("w", encoding="utf-8-sig" if bom else encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(headers)
            writer.writerows([row.get(header, "") for header in headers] for row in rows)
        return path

    def xlsx(self, name: str, rows: list[dict[str, object]],
             headers: tuple[str, ...] | list[str] = HEADERS) -> Path:
        import xlsxwriter

        path = self.folder / name
        workbook = xlsxwriter.Workbook(str(path))
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet = workbook.add_worksheet("申报")
        sheet.write_row(0, 0, list(headers))
        for row_index, row in enumerate(rows, start=1):
            for column, header in enumerate(headers):
                value = row.get(header, "")
                if isinstance(value, Formula):
                    sheet.write_formula(row_index, column, value.formula, None, value.value)
                elif isinstance(value, (date, datetime)):
                    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
                    sheet.write_datetime(row_index, column, moment, day)
                elif isinstance(value, (int, float, Decimal)):
                    sheet.write_number(row_index, column, float(value))
                elif value != "":
                    sheet.write_string(row_index, column, str(value))
        workbook.close()
        return path

    def json(self, name: str, rows: list[object]) -> Path:
        path = self.folder / name
        path.write_text(json.dumps(rows, ensure_ascii=False, default=str), encoding="utf-8")
        return path


@pytest.fixture
def intake(tmp_path: Path) -> IntakeFiles:
    return IntakeFiles(tmp_path)


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = staffed_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()
