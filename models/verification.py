"""``audit verify``: the hash chain, and every decision's signature and stored fields."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from models.audit import verify_chain
from models.ca import certificate_issued_by, cert_from_pem
from models.reviewers import ca_certificate
from models.signing import verify_record
from models.workspace import Workspace

# Decision columns that must equal what the reviewer signed.
_SIGNED_COLUMNS = ("uuid", "application_id", "stage", "outcome", "amount_yuan", "opinion",
                   "override_reason", "reviewer", "decided_at", "supersedes")


@dataclass(slots=True)
class VerifyReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _signed_at(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def verify_decision_row(row: dict, certificates: dict, ca) -> str | None:
    """Why a decision row is not what its reviewer signed, or None when it is."""
    where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}，{row['reviewer']}）"
    certificate = certificates.get(row["reviewer"])
    if certificate is None:
        return f"{where}：找不到签名人的证书"
    signed_at = _signed_at(row["decided_at"])
    if ca is not None and not certificate_issued_by(certificate, ca, at=signed_at):
        return f"{where}：签名人的证书不是本工作区 CA 签发的"
    try:
        record = json.loads(row["record"])
        signature = base64.b64decode(row["signature"], validate=True)
    except (ValueError, TypeError):
        return f"{where}：签名记录已损坏"
    if not verify_record(certificate, record, signature):
        return f"{where}：签名无效，签名记录已被改动"
    signed = record.get("decision", {})
    for column in _SIGNED_COLUMNS:
        if signed.get(column) != row[column]:
            return f"{where}：数据库中的 {column} 与签名记录不符（签名为 {signed.get(column)!r}，现为 {row[column]!r}）"
    return None


def verify_workspace(ws: Workspace) -> VerifyReport:
    report = VerifyReport()
    chain = verify_chain(ws.db)
    report.lines.append(chain.message)
    if not chain.ok:
        report.problems.append(chain.message)
    certificates = {name: cert_from_pem(pem) for name, pem in ws.db.execute(
        "SELECT name, certificate_pem FROM reviewers")}
    has_ca = ws.db.execute("SELECT 1 FROM ca").fetchone() is not None
    ca = ca_certificate(ws) if has_ca else None
    count = 0
    for row in ws.db.query("SELECT * FROM decisions ORDER BY decided_at"):
        count += 1
        from models.signers import decision_standing  # people: re-keys and revocations by time

        problem, note = decision_standing(ws, row, ca)
        report.lines += [note] if note else []
        if problem:
            report.problems.append(problem)
            report.lines.append(problem)
    from models.signers import conflict_problems  # people: declarations are signed by their declarer

    declarations = conflict_problems(ws)
    report.problems += declarations
    report.lines += declarations
    if count and not any("决定" in p for p in report.problems):
        report.lines.append(f"决定签名全部有效，共 {count} 个")
    elif not count:
        report.lines.append("尚无决定")
    report.lines.append("校验通过" if report.ok else f"校验未通过：{len(report.problems)} 处问题")
    return report
