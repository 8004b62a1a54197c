"""Whether a signed record still stands: the signer's certificate at the time, re-keys and revocations."""

from __future__ import annotations

import json
from typing import Any

from cryptography import x509

from models.review.terms import ROLES_FOR_STAGE
from models.signing.ca import cert_from_pem, certificate_role, common_name, fingerprint
from models.signing.reviewers import certificate_mismatch, certificates_of, standing_at
from models.workspace.verification import verify_decision_row
from models.workspace.projection import PUT
from models.workspace.workspace import Workspace


class IssuedTo:
    """Every certificate ever issued to each signer, read once per signer."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._issued: dict[str, list[Any]] = {}

    def __call__(self, name: str) -> list[Any]:
        if name not in self._issued:
            self._issued[name] = certificates_of(self._ws, name)
        return self._issued[name]


def decision_standing(ws: Workspace, row: dict[str, Any], ca: x509.Certificate | None,
                      issued_to: IssuedTo | None = None, issuers: Any = None) -> tuple[str | None, str]:
    """(why the decision's signature does not stand, or None; a note when it stands despite a later revocation).

    Tries each certificate ever issued to the signer, so a re-key leaves older
    decisions verifiable; the one that verifies must not have been revoked or
    retired before the signing time.
    """
    issued = (issued_to or IssuedTo(ws))(row["reviewer"])
    problem = verify_decision_row(row, {}, ca, issuers) if not issued else None
    for candidate in issued:
        problem = verify_decision_row(row, {row["reviewer"]: candidate.certificate}, ca, issuers)
        if problem is None:
            stands, sentence = standing_at(candidate, row["decided_at"])
            where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}）"
            role = certificate_role(candidate.certificate)
            if role not in ROLES_FOR_STAGE.get(row["stage"], ()):
                return f"{where}：签名人 {row['reviewer']} 的证书角色是{role or '（无）'}，不能作出{row['stage']}决定", ""
            return (None, f"{where}：{sentence}" if sentence else "") if stands else (f"{where}：{sentence}", "")
    return problem, ""


def conflict_problems(ws: Workspace) -> list[str]:
    """Every conflicts row that is not what its declarer signed (with any certificate ever issued to them)."""
    from models.review.conflicts import conflict_problem

    problems = []
    issued_to = IssuedTo(ws)
    legacy = _unsigned_before_upgrade(ws)
    for row in ws.db.query("SELECT * FROM conflicts ORDER BY application_id, reviewer"):
        if not row.get("signature") and legacy.get((row["application_id"], row["reviewer"])) == row["declared_at"]:
            continue  # in the logged snapshot taken when this workspace began signing declarations
        issued = issued_to(row["reviewer"])
        found = [conflict_problem(row, c.certificate) for c in issued] or [conflict_problem(row, None)]
        if all(found):
            problems.append(found[0] or "")
    return problems


def _unsigned_before_upgrade(ws: Workspace) -> dict[tuple[str, str], str]:
    """Declarations made before this workspace's upgrade to signed declarations, keyed to their declared_at.

    They are the conflicts rows captured by the hash-chained snapshot event of
    the upgrade that brought 0004_people to an existing workspace; a workspace
    created with 0004_people has none, whatever dates a row claims.
    """
    for seq, details in ws.db.execute(
            "SELECT seq, details FROM audit WHERE action = '数据库结构快照' ORDER BY seq").fetchall():
        migrations = json.loads(details).get("migrations", [])
        if "0004_people" not in migrations:
            continue
        if "0001_initial" in migrations:
            return {}
        captured = ws.db.execute(
            "SELECT row FROM audit_changes WHERE seq = ? AND tbl = 'conflicts' AND op = ?", [seq, PUT]).fetchall()
        rows = [json.loads(text) for (text,) in captured if text]
        return {(str(r["application_id"]), str(r["reviewer"])): str(r["declared_at"]) for r in rows}
    return {}


def people_problems(ws: Workspace) -> list[str]:
    """Each person or certificate row that is not what the workspace CA issued: name, role, fingerprint, issuer."""
    problems = []
    for name, role, pem in ws.db.execute("SELECT name, role, certificate_pem FROM reviewers ORDER BY name").fetchall():
        problem = certificate_mismatch(ws, cert_from_pem(pem), name, role)
        if problem:
            problems.append(f"人员表 reviewers 键 {name}：{problem}")
    for key, name, pem in ws.db.execute(
            "SELECT fingerprint, name, certificate_pem FROM reviewer_certificates ORDER BY name").fetchall():
        certificate = cert_from_pem(pem)
        problem = certificate_mismatch(ws, certificate, name)
        if problem is None and fingerprint(certificate) != key:
            problem = f"登记的指纹 {key[:16]}… 不是证书的指纹 {fingerprint(certificate)[:16]}…"
        if problem:
            problems.append(f"证书表 reviewer_certificates 键 {key[:16]}…（{common_name(certificate) or name}）：{problem}")
    return problems


def two_stage_problems(ws: Workspace) -> list[str]:
    """Each person who made decisions at two stages of one application (the stage table allows one)."""
    return [f"申报 {application_id}：{reviewer} 作出了{stages.replace(',', '、')}两个阶段的决定，同一人只能在一个阶段作出决定"
            for application_id, reviewer, stages in ws.db.execute(
                "SELECT application_id, reviewer, GROUP_CONCAT(DISTINCT stage) FROM decisions "
                "GROUP BY application_id, reviewer HAVING COUNT(DISTINCT stage) > 1 ORDER BY application_id")]
