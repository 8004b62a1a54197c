"""``main.py demo``: a workspace full of generated applications, marked 演示数据 everywhere."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from policy.catalog import load_policy

from models.review.decisions import DecisionInput, decide_with_key
from models.review.conflicts import declare_conflict
from demo.applications import demo_rows, write_intake_csv
from demo.evidence import write_evidence
from models.intake.importing import import_file
from models.signing.keys import KdfParams
from models.signing.people import AdminAuth, add_reviewer
from models.signing.reviewers import init_ca, unlock
from models.signing.signed_entries import ActingSigner
from models.workspace.workspace import DB_NAME, Workspace

DEMO_PASSPHRASE = "reviewdesk-demo"
REVIEWERS = (("审核员甲", "初审"), ("审核员乙", "复核"), ("科长丙", "负责人"))
ADMIN_NAME = "管理员丁"
IMPORTER = "审核员甲"
"""Who imports the demo's files (an import is signed by a person whose role may import)."""
PUBLIC_PASSPHRASE_NOTE = f"演示工作区的 CA 和全部人员使用公开的演示口令 {DEMO_PASSPHRASE}，任何人都能以他们的名义签名，仅供演示"


def staff_demo(ws: Workspace, kdf: KdfParams | None = None) -> None:
    """The demo's CA, its 系统管理员 and the three reviewers, all under the public demo passphrase."""
    init_ca(ws, passphrase=DEMO_PASSPHRASE, kdf=kdf, actor=ADMIN_NAME)
    add_reviewer(ws, ADMIN_NAME, "系统管理员", DEMO_PASSPHRASE, auth=AdminAuth(DEMO_PASSPHRASE), kdf=kdf)
    auth = AdminAuth(DEMO_PASSPHRASE, ADMIN_NAME, DEMO_PASSPHRASE)
    for name, role in REVIEWERS:
        add_reviewer(ws, name, role, DEMO_PASSPHRASE, auth=auth, kdf=kdf)


def demo_signer(ws: Workspace, name: str = IMPORTER) -> ActingSigner:
    """``name`` with their key unlocked under the public demo passphrase, to sign an import or a restore."""
    return ActingSigner(name, unlock(ws, name, DEMO_PASSPHRASE))


def create_demo(folder: Path, *, count: int = 200, kdf: KdfParams | None = None,
                progress: Callable[[str], None] = lambda text: None) -> str:
    """Create the demo workspace in ``folder`` unless one is already there; returns a summary line."""
    folder = Path(folder)
    if (folder / DB_NAME).exists():
        with Workspace.open(folder, create=False) as ws:
            total = ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
            kind = "演示工作区" if ws.is_demo else "工作区"
        return f"{kind}已存在：{folder}（{total} 件申报），未作改动"
    policy = load_policy()
    with Workspace.open(folder) as ws:
        ws.set_setting("demo", "1", "系统")
        progress(f"生成 CA 和人员（{PUBLIC_PASSPHRASE_NOTE}）")
        staff_demo(ws, kdf)
        rows = demo_rows(policy, count)
        with tempfile.TemporaryDirectory() as scratch:
            scratch_path = Path(scratch)
            progress(f"生成 {count} 件演示申报及附件")
            (scratch_path / "附件").mkdir()
            files = write_evidence(rows, scratch_path / "附件")
            intake = scratch_path / "演示申报.csv"
            write_intake_csv(rows, intake)
            progress("导入演示申报")
            import_file(ws, intake, evidence=scratch_path / "附件", signer=demo_signer(ws))
        progress("记录部分初审、复核决定（其中几件提交负责人）")
        decided = _decide_some(ws)
    return (f"演示工作区已创建：{folder}（{count} 件申报，{files} 个附件，{decided} 件已作出决定）。"
            f"{PUBLIC_PASSPHRASE_NOTE}")


def _decide_some(ws: Workspace) -> int:
    first = unlock(ws, "审核员甲", DEMO_PASSPHRASE)
    second = unlock(ws, "审核员乙", DEMO_PASSPHRASE)
    rows = ws.db.execute(
        "SELECT a.application_id, s.status, s.recommended_yuan FROM applications a "
        "JOIN assessments s USING (application_id) ORDER BY a.seq"
    ).fetchall()
    decided = 0
    for n, (application_id, status, recommended) in enumerate(rows[:60]):
        declare_conflict(ws, application_id, "审核员甲", has_conflict=False, key=first)
        if status == "referral":
            continue
        amount = Decimal(recommended) if recommended else Decimal("0.00")
        outcome = "通过" if status == "eligible" else "不通过" if status == "ineligible" else "退回补正"
        if n % 11 == 5 and outcome == "通过":
            outcome, amount = "部分通过", (amount * Decimal("0.8")).quantize(Decimal("0.01"))
        opinion = {"通过": "材料齐全，符合条款规定。", "部分通过": "部分设备发票不符，按核实金额核定。",
                   "不通过": "不符合条款规定的条件。", "退回补正": "请补充认定文件原件扫描件。"}[outcome]
        returned = outcome == "退回补正"
        decide_with_key(ws, DecisionInput(application_id, "初审", outcome, "审核员甲",
                                          amount if outcome in ("通过", "部分通过") else None, opinion,
                                          missing_items=("认定文件原件扫描件",) if returned else (),
                                          deadline=date.today() + timedelta(days=15) if returned else None), first)
        decided += 1
        if n < 40 and outcome != "退回补正":
            declare_conflict(ws, application_id, "审核员乙", has_conflict=False, key=second)
            if n % 6 == 3:  # declared, and its 复核 still to do
                continue
            if n % 6 == 1 and outcome in ("通过", "部分通过"):  # some are sent up to the 负责人
                decide_with_key(ws, DecisionInput(application_id, "复核", "提交负责人", "审核员乙", None,
                                                  "金额较大，提请负责人审定。"), second)
                continue
            decide_with_key(ws, DecisionInput(application_id, "复核", outcome, "审核员乙",
                                              amount if outcome in ("通过", "部分通过") else None,
                                              "同意初审意见。"), second)
    return decided
