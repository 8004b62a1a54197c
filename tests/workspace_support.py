"""Building intake files and workspaces for tests: real files, real SQLite, cheap keys."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from models.intake.columns import HEADERS
from models.signing.keys import KdfParams
from models.intake.importing import ImportResult, import_file
from models.signing.people import AdminAuth, add_reviewer
from models.signing.reviewers import init_ca
from models.signing.signed_entries import ActingSigner
from models.workspace import people_rows
from models.workspace.backup import Restorer
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
    staff(ws)
    return ws


def staff(ws: Workspace) -> None:
    """Give ``ws`` the CA and people of :func:`staffed_workspace`."""
    init_ca(ws, passphrase=CA_PASSPHRASE, kdf=CHEAP)
    add_reviewer(ws, ADMIN, "系统管理员", PASSPHRASE, auth=AdminAuth(CA_PASSPHRASE), kdf=CHEAP)
    for name, role in REVIEWERS:
        add_reviewer(ws, name, role, PASSPHRASE, auth=AUTH, kdf=CHEAP)


RESTORER = Restorer(ADMIN, PASSPHRASE)
"""Who restores in the tests: the 系统管理员, whose duty the system's upkeep is."""
IMPORTER = "审核员甲"
"""Who imports in the tests (an 初审: a role that may import)."""


def signer_of(ws: Workspace, name: str = IMPORTER) -> ActingSigner:
    """``name`` with their key unlocked (:data:`PASSPHRASE`, or the demo's). A workspace
    with no CA yet gets the people of :func:`staffed_workspace` first: every import is signed by a person."""
    if not people_rows.has_ca(ws.db):
        staff(ws)
    from demo.workspace import DEMO_PASSPHRASE
    from models.signing.keys import WrongPassphrase, decrypt_private_key

    person = people_rows.person(ws.db, name)
    assert person is not None, name
    for passphrase in (PASSPHRASE, DEMO_PASSPHRASE):  # the tests' people, or the demo's (staff_demo)
        try:
            return ActingSigner(name, decrypt_private_key(person.key_blob, passphrase, associated=name))  # type: ignore[arg-type]  # a person's key is an EC key
        except WrongPassphrase:
            continue
    raise AssertionError(f"{name} 的口令既不是测试口令也不是演示口令")


def import_as(ws: Workspace, path: str | Path, *, by: str = IMPORTER, **options: object) -> ImportResult:
    """``import_file`` signed by ``by`` (see :func:`signer_of`)."""
    return import_file(ws, path, signer=signer_of(ws, by), **options)  # type: ignore[arg-type]  # import_file's own keywords


def insider_insert(table: str, row: dict) -> tuple[str, list]:
    """An insider's INSERT of ``row`` (a copied row may carry its insertion order: the insert numbers the row next,
    as the app does, which the column's unique index asks)."""
    from models.workspace.database import INSERTION_ORDER, ORDERED_TABLES, next_in_order

    columns = [c for c in row if c != INSERTION_ORDER]
    marks = ["?"] * len(columns)
    if table in ORDERED_TABLES:
        columns, marks = [*columns, INSERTION_ORDER], [*marks, next_in_order(table)]
    return (f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join(marks)})',
            [row[c] for c in columns if c != INSERTION_ORDER])


def insert_behind_the_apps_back(db, table: str, row: dict) -> None:  # noqa: ANN001 - any workspace Database (models.workspace.database)
    """An insider's INSERT with plain SQL, committed at once (the app's own transactions refuse unlogged rows)."""
    db.execute(*insider_insert(table, row))
    db.conn.commit()


def approve_both_stages(ws: Workspace, application_id: str, amount: str) -> None:
    """初审 by 审核员甲, then 复核 by 审核员乙: each declares no conflict and approves ``amount`` 元."""
    from models.review.conflicts import declare_conflict
    from models.review.decisions import DecisionInput, decide

    for stage, reviewer in (("初审", "审核员甲"), ("复核", "审核员乙")):
        declare_conflict(ws, application_id, reviewer, has_conflict=False, passphrase=PASSPHRASE)
        decide(ws, DecisionInput(application_id, stage, "通过", reviewer, Decimal(amount)), PASSPHRASE)


def signing_options(folder: Path, name: str = IMPORTER) -> list[str]:
    """The CLI's ``--reviewer NAME --passphrase-file FILE`` for ``name``; a workspace at ``folder`` with no CA yet
    (or none at all) first gets the people of :func:`staffed_workspace`, as :func:`signer_of` does."""
    with Workspace.open(folder) as ws:
        if not people_rows.has_ca(ws.db):
            staff(ws)
    passphrase = folder.parent / f"{folder.name}-{name}-口令.txt"
    passphrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return ["--reviewer", name, "--passphrase-file", str(passphrase)]
