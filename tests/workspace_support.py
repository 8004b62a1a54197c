"""Building intake files and workspaces for tests: real files, real SQLite, cheap keys."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from models.intake.columns import HEADERS
from models.signing.keys import KdfParams
from models.signing.people import AdminAuth, add_reviewer
from models.signing.reviewers import init_ca
from models.intake.uscc import org_code_check_char, uscc_check_char
from models.workspace.workspace import Workspace

PASSPHRASE = "测试口令-123456"
CA_PASSPHRASE = "测试CA口令-654321"
ADMIN = "管理员丁"
REVIEWERS = (("审核员甲", "初审"), ("审核员乙", "复核"), ("科长丙", "负责人"))
AUTH = AdminAuth(CA_PASSPHRASE, ADMIN, PASSPHRASE)
CHEAP = KdfParams.cheap_for_tests()


def returned_for(*items: str, days: int = 15) -> dict[str, object]:
    """``DecisionInput`` keywords of a 退回补正: the missing materials and a deadline ``days`` from today."""
    return {"missing_items": items or ("认定文件",), "deadline": date.today() + timedelta(days=days)}


def valid_uscc(n: int) -> str:
    body = f"{n:08d}"
    first17 = "91371500" + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


def intake_row(n: int, **values: str) -> dict[str, str]:
    """A valid 国家级专精特新企业 application unless ``values`` say otherwise (Chinese headers)."""
    row = {header: "" for header in HEADERS}
    row |= {
        "申报编号": f"T{n:05d}", "企业名称": f"聊城测试企业{n}有限公司", "统一社会信用代码": valid_uscc(n),
        "所属县区": "东昌府区", "产业": "生物医药", "申报事项": "国家级专精特新企业",
        "认定日期": "2023-09-15", "申报年度": "2023", "申请金额(万元)": "50",
    }
    row |= values
    return row


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(HEADERS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def staffed_workspace(folder: Path) -> Workspace:
    """An open workspace with a CA (under :data:`CA_PASSPHRASE`), the 系统管理员 :data:`ADMIN`
    and the three reviewers, keys under :data:`PASSPHRASE`."""
    ws = Workspace.open(folder)
    init_ca(ws, passphrase=CA_PASSPHRASE, kdf=CHEAP)
    add_reviewer(ws, ADMIN, "系统管理员", PASSPHRASE, auth=AdminAuth(CA_PASSPHRASE), kdf=CHEAP)
    for name, role in REVIEWERS:
        add_reviewer(ws, name, role, PASSPHRASE, auth=AUTH, kdf=CHEAP)
    return ws


def insert_behind_the_apps_back(db, table: str, row: dict) -> None:  # noqa: ANN001 - any workspace Database (models.workspace.database)
    """An insider's INSERT with plain SQL, committed at once (the app's own transactions refuse unlogged rows)."""
    columns = list(row)
    db.execute(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})',
               [row[c] for c in columns])
    db.conn.commit()


def approve_both_stages(ws: Workspace, application_id: str, amount: str) -> None:
    """初审 by 审核员甲, then 复核 by 审核员乙: each declares no conflict and approves ``amount`` 元."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide

    for stage, reviewer in (("初审", "审核员甲"), ("复核", "审核员乙")):
        declare_conflict(ws, application_id, reviewer, has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(application_id, stage, "通过", reviewer, Decimal(amount)), PASSPHRASE)
