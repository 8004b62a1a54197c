"""Whether a signed record still stands: the signer's certificate at the time, re-keys and revocations."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import groupby
from typing import Any

from cryptography import x509

from models.review.terms import ROLES_FOR_STAGE
from models.signing.ca import cert_from_pem, certificate_role, common_name, fingerprint
from models.signing.logged import LoggedPeople
from models.signing.reviewers import IssuedCertificate, certificate_mismatch, certificates_of, standing_at
from models.workspace import dialect, people_rows
from models.workspace.conflict_rows import stored_declarations
from models.workspace.verification import verify_decision_row
from models.workspace.projection import PUT
from models.workspace.workspace import Workspace


MERGED_SUFFIX = "（会评合并）"


class IssuedTo:
    """Every certificate ever issued to each signer, read once per signer.

    With ``logged``, each carries the revocation and re-key the log recorded
    for it, even where the certificate table no longer shows them.
    """

    def __init__(self, ws: Workspace, logged: LoggedPeople | None = None) -> None:
        self._ws = ws
        self.logged = logged
        self._issued: dict[str, list[IssuedCertificate]] = {}

    def __call__(self, name: str) -> list[IssuedCertificate]:
        if name not in self._issued:
            issued = certificates_of(self._ws, name)
            logged = self.logged
            self._issued[name] = [logged.with_logged_ends(c) for c in issued] if logged else issued
        return self._issued[name]


def decision_standing(ws: Workspace, row: dict[str, Any], ca: x509.Certificate | None,
                      issued_to: IssuedTo | None = None, issuers: Any = None) -> tuple[str | None, str]:
    """(why the decision's signature does not stand, or None; a note when it stands despite a later revocation).

    Tries each certificate ever issued to the signer, so a re-key leaves older
    decisions verifiable; the one that verifies must not have been revoked or
    retired before the signing time.
    """
    issued_to = issued_to or IssuedTo(ws)
    issued = issued_to(row["reviewer"])
    problem = verify_decision_row(row, {}, ca, issuers) if not issued else None
    for candidate in issued:
        problem = verify_decision_row(row, {row["reviewer"]: candidate.certificate}, ca, issuers)
        if problem is None:
            stands, sentence = standing_at(candidate, row["decided_at"])
            where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}）"
            role = certificate_role(candidate.certificate)
            if role not in ROLES_FOR_STAGE.get(row["stage"], ()):
                return f"{where}：签名人 {row['reviewer']} 的证书角色是{role or '（无）'}，不能作出{row['stage']}决定", ""
            if stands and issued_to.logged is not None:
                late = _logged_after_end(ws, issued_to.logged, candidate, row)
                if late:
                    return f"{where}：{late}", ""
            return (None, f"{where}：{sentence}" if sentence else "") if stands else (f"{where}：{sentence}", "")
    return problem, ""


def decision_key_sql(engine: str) -> str:
    """The capture key of the decision ``:uuid``, as the capture trigger writes it."""
    return f"SELECT {dialect.capture_key(engine, 'CAST(:uuid AS TEXT)')}"


def _decision_key(ws: Workspace, uuid: str) -> str:
    """The capture key of the decision ``uuid``: the database's own text for it, asked once per engine and uuid (it
    is a function of the uuid alone)."""
    engine = ws.db.dialect
    found = _DECISION_KEYS.get((engine, uuid))
    if found is None:
        found = str(ws.db.execute(decision_key_sql(engine), {"uuid": uuid}).fetchone()[0])
        if len(_DECISION_KEYS) >= 65_536:
            _DECISION_KEYS.clear()
        _DECISION_KEYS[(engine, uuid)] = found
    return found


_DECISION_KEYS: dict[tuple[str, str], str] = {}


def _logged_after_end(ws: Workspace, logged: LoggedPeople, candidate: IssuedCertificate,
                      row: dict[str, Any]) -> str | None:
    """Why a decision whose signing time precedes a revocation or re-key but whose log entry follows it is void.

    The signing time is the signer's own claim; the log's order is not. Only a
    会评 merge brings in decisions signed earlier elsewhere, and its own checks
    held those to the session's window.
    """
    key = _decision_key(ws, str(row["uuid"]))
    ended = logged.logged_after_end(candidate, "decisions", key)
    if ended is None:
        return None
    seq = logged.first_logged[("decisions", key)]
    action = ws.db.execute("SELECT action FROM audit WHERE seq = :seq", {"seq": seq}).fetchone()
    if action is not None and str(action[0]).endswith(MERGED_SUFFIX):
        return None
    return (f"签名时间 {row['decided_at']} 早于 {row['reviewer']} 的证书停用时间 {ended.at}，"
            f"却在停用（审计日志第 {ended.seq} 条）之后才记入审计日志（第 {seq} 条）：签名时间是倒填的，签名无效")


def conflict_problems(ws: Workspace) -> list[str]:
    """Every conflicts row that is not what its declarer signed (with any certificate ever issued to them)."""
    from models.review.conflicts import conflict_problem

    problems = []
    issued_to = IssuedTo(ws)
    legacy = _unsigned_before_upgrade(ws)
    for row in stored_declarations(ws.db):
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
            "SELECT row FROM audit_changes WHERE seq = :seq AND tbl = 'conflicts' AND op = :op",
            {"seq": seq, "op": PUT}).fetchall()
        rows = [json.loads(text) for (text,) in captured if text]
        return {(str(r["application_id"]), str(r["reviewer"])): str(r["declared_at"]) for r in rows}
    return {}


def people_problems(ws: Workspace) -> list[str]:
    """Each person or certificate row that is not what the workspace CA issued: name, role, fingerprint, issuer."""
    problems = []
    for person in sorted(people_rows.people(ws.db), key=lambda p: p.name):
        problem = certificate_mismatch(ws, cert_from_pem(person.certificate_pem), person.name, person.role)
        if problem:
            problems.append(f"人员表 reviewers 键 {person.name}：{problem}")
    for issued in people_rows.all_certificates(ws.db):
        key, name, certificate = issued.fingerprint, issued.name, cert_from_pem(issued.certificate_pem)
        problem = certificate_mismatch(ws, certificate, name)
        if problem is None and fingerprint(certificate) != key:
            problem = f"登记的指纹 {key[:16]}… 不是证书的指纹 {fingerprint(certificate)[:16]}…"
        if problem:
            problems.append(f"证书表 reviewer_certificates 键 {key[:16]}…（{common_name(certificate) or name}）：{problem}")
    return problems + concurrent_certificates(people_rows.all_certificates(ws.db))


def concurrent_certificates(issued: list[people_rows.CertificateRow]) -> list[str]:
    """Each certificate issued to a person while an earlier one of theirs was neither retired nor revoked.

    A re-key retires the old certificate at the moment it issues the new one, so
    the person finds their old passphrase no longer works. A second certificate
    beside a live one is what someone holding the CA key would mint to sign as
    that person without their noticing.
    """
    problems = []
    for name, rows in groupby(sorted(issued, key=lambda r: (r.name, r.issued_at)), key=lambda r: r.name):
        ordered = list(rows)
        for earlier, later in zip(ordered, ordered[1:]):
            ends = [at for at in (earlier.retired_at, earlier.revoked_at) if at]
            ended = min((m for at in ends if (m := _moment(at)) is not None), default=None)
            issued_at = _moment(later.issued_at)
            if ended is None or issued_at is None or ended > issued_at:
                problems.append(f"证书表 reviewer_certificates 键 {later.fingerprint[:16]}…（{name}）：签发于 "
                                f"{later.issued_at}，此时 {name} 的证书 {earlier.fingerprint[:16]}… 仍然有效；"
                                "同一人同时持有两张有效证书（更换密钥会同时停用旧证书），新证书不予承认")
    return problems


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


def two_stage_problems(ws: Workspace) -> list[str]:
    """Each person who made decisions at two stages of one application (the stage table allows one)."""
    rows = ws.db.execute(
        "SELECT application_id, reviewer, stage FROM decisions d WHERE EXISTS (SELECT 1 FROM decisions o "
        "WHERE o.application_id = d.application_id AND o.reviewer = d.reviewer AND o.stage != d.stage) "
        "GROUP BY application_id, reviewer, stage ORDER BY application_id, reviewer, MIN(decided_at)")
    return [f"申报 {application_id}：{reviewer} 作出了{'、'.join(stage for _, _, stage in stages)}两个阶段的决定，"
            "同一人只能在一个阶段作出决定"
            for (application_id, reviewer), stages in groupby(rows, key=lambda row: (row[0], row[1]))]
