"""Offline evaluation sessions: export a package, review on a laptop, merge the signed results back.

The bureau workspace exports chosen applications with their evidence and earlier decisions, the
policy version, the CA certificate (never its key) and the named reviewers'
encrypted keys. The laptop opens it as a session workspace, decides, and
exports the decisions. Merging checks every hash and every signature; a
decision that differs from one the bureau already has at the same stage is
listed as a conflict and left for a person to resolve.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy.catalog import load_policy
from policy.versions import NoPolicyVersion

from cryptography import x509
from cryptography.x509.oid import NameOID

from models.workspace import audit
from models.signing.ca import cert_from_pem, cert_to_pem, certificate_issued_by, common_name
from models.workspace.evidence import EvidenceStore
from models.failures import ReviewDeskError
from models.signing.keys import KdfParams, encrypt_private_key
from models.review.terms import LEAD_ROLE, may_decide
from models.signing.reviewers import ca_certificate, require_active, unlock
from models.sessions.package import (
    EXPORT_ACTION, RESULTS_FORMAT, SESSION_FORMAT, PackageRefused, manifest_signed_by, read_package, write_package,
)
from models.sessions.merge import CONFLICT_COLUMNS, DECISION_COLUMNS, checked_results
from models.workspace.workspace import DB_NAME, Workspace

STAFF_COLUMNS = ("name", "role", "certificate_pem", "key_blob", "fingerprint", "created_at", "status", "revoked_at")


class SessionError(ReviewDeskError):
    """A session cannot be exported, opened or merged as asked."""


@dataclass(slots=True)
class MergeReport:
    merged: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    declarations: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"合并 {len(self.merged)} 个决定，已存在（跳过）{len(self.already_present)} 个，"
                 f"冲突 {len(self.conflicts)} 个；合并利益冲突声明 {len(self.declarations)} 条"]
        lines += [f"冲突：{text}" for text in self.conflicts]
        return lines


def exporter_role(certificate: x509.Certificate) -> str:
    """The role in a certificate's subject (title), or ""."""
    found = certificate.subject.get_attributes_for_oid(NameOID.TITLE)
    return str(found[0].value) if found else ""


def in_session(ws: Workspace, application_id: str) -> str | None:
    """The session an application is out in, until its results are merged."""
    row = ws.db.execute("SELECT session_id FROM session_applications WHERE application_id = ? AND merged_at IS NULL "
                        "AND session_id IN (SELECT session_id FROM sessions WHERE direction = 'out')",
                        [application_id]).fetchone()
    return row[0] if row else None


def applications_out(ws: Workspace) -> dict[str, str]:
    """Application → the session it is out in, for every application not merged back yet."""
    return dict(ws.db.execute(
        "SELECT application_id, session_id FROM session_applications WHERE merged_at IS NULL "
        "AND session_id IN (SELECT session_id FROM sessions WHERE direction = 'out')").fetchall())


def describe_decisions(ws: Workspace, uuids: list[str]) -> list[str]:
    """One line per decision: 申报编号 阶段：结论（金额，审核人，时间）."""
    lines = []
    for decision_uuid in uuids:
        row = ws.db.execute("SELECT application_id, stage, outcome, amount_yuan, reviewer, decided_at FROM decisions "
                            "WHERE uuid = ?", [decision_uuid]).fetchone()
        if row is None:
            lines.append(decision_uuid)
            continue
        application_id, stage, outcome, amount, reviewer, decided_at = row
        money = f"{amount} 元，" if amount else ""
        when = str(decided_at)[:16].replace("T", " ")
        lines.append(f"{application_id} {stage}：{outcome}（{money}{reviewer}，{when}）")
    return lines


def _staff(ws: Workspace, reviewers: list[str], passphrases: dict[str, str], kdf: KdfParams) -> list[dict[str, Any]]:
    """The named reviewers' rows, each key re-wrapped under its owner's passphrase with the travel KDF."""
    staff = []
    for name in dict.fromkeys(reviewers):
        person = require_active(ws, name)
        if not may_decide(person.role):
            raise SessionError(f"{name} 的角色是{person.role}，不参与审核，不能带入会评")
        if name not in passphrases:
            raise SessionError(f"会评包中的密钥须用本人口令重新加密：请 {name} 输入口令")
        key = unlock(ws, name, passphrases[name])
        row = next(ws.db.query(f"SELECT {', '.join(STAFF_COLUMNS)} FROM reviewers WHERE name = ?", [name]))
        blob = encrypt_private_key(key, passphrases[name], kdf, associated=name)
        staff.append({**row, "key_blob": base64.b64encode(blob).decode("ascii")})
    return staff


def export_session(ws: Workspace, ids: list[str], reviewers: list[str], out: Path, *, lead: str,
                   passphrases: dict[str, str], travel_kdf: KdfParams | None = None) -> str:
    """Write the session package, signed by the exporting 负责人 ``lead``; returns its session id.

    ``passphrases`` holds the lead's and each named reviewer's passphrase: the
    keys travel re-wrapped with :meth:`KdfParams.for_travel` (≥ 1 s per guess).
    """
    if not ids:
        raise SessionError("会评包至少要包含一件申报")
    exporter = require_active(ws, lead)
    if exporter.role != LEAD_ROLE:
        raise SessionError(f"会评包须由负责人导出并签名，{lead} 的角色是{exporter.role}")
    if lead not in passphrases:
        raise SessionError(f"请输入负责人 {lead} 的口令")
    lead_key = unlock(ws, lead, passphrases[lead])
    ca_pem = cert_to_pem(ca_certificate(ws))
    applications = []
    policies: set[tuple[str, str]] = set()
    evidence: dict[str, bytes] = {}
    store = EvidenceStore(ws.evidence_dir)
    for application_id in ids:
        rows = list(ws.db.query("SELECT * FROM applications WHERE application_id = ?", [application_id]))
        if not rows:
            raise SessionError(f"工作区中没有申报编号 {application_id}")
        assessment = next(ws.db.query("SELECT * FROM assessments WHERE application_id = ?", [application_id]))
        policies.add((assessment["policy_version"], assessment["policy_hash"]))
        links = list(ws.db.query("SELECT ae.*, e.size, e.kind FROM application_evidence ae JOIN evidence e "
                                 "USING (sha256) WHERE application_id = ? ORDER BY position", [application_id]))
        for link in links:
            evidence[f"evidence/{link['sha256']}"] = store.read_verified(link["sha256"])
        decisions = list(ws.db.query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions WHERE application_id = ?",
                                     [application_id]))
        conflicts = list(ws.db.query(f"SELECT {', '.join(CONFLICT_COLUMNS)} FROM conflicts "
                                     "WHERE application_id = ?", [application_id]))
        applications.append({"application": rows[0], "assessment": assessment, "evidence": links,
                             "decisions": decisions, "conflicts": conflicts})
    staff = _staff(ws, reviewers, passphrases, travel_kdf or KdfParams.for_travel())
    in_use = sorted(policies)
    session_id = str(uuid.uuid4())
    header = {"session_id": session_id, "created_at": audit.now_text(), "demo": ws.is_demo,
              "policy": {"version": in_use[0][0], "hash": in_use[0][1]},
              "policies": [{"version": version, "hash": digest} for version, digest in in_use],
              "exported_by": lead, "exporter_certificate": cert_to_pem(exporter.certificate),
              "audit_head": audit.head_hash(ws.db)}
    members = {
        "ca.pem": ca_pem.encode("ascii"),
        "reviewers.json": _json(staff),
        "applications.json": _json(applications),
        **evidence,
    }
    write_package(out, SESSION_FORMAT, header, members, key=lead_key)
    names = [row["name"] for row in staff]
    with ws.db.atomic():
        ws.db.execute("INSERT INTO sessions (session_id, direction, file_name, created_at, details) VALUES (?,?,?,?,?)",
                      [session_id, "out", out.name, header["created_at"],
                       json.dumps({"reviewers": names, "exported_by": lead}, ensure_ascii=False)])
        ws.db.conn.executemany("INSERT INTO session_applications (session_id, application_id) VALUES (?, ?)",
                               [(session_id, application_id) for application_id in ids])
        audit.append(ws.db, lead, EXPORT_ACTION, out.name,
                     {"session_id": session_id, "applications": ids, "reviewers": names, "signed_by": lead})
    return session_id


def _check_policies(policies: list[dict[str, str]]) -> None:
    """Every policy version of the package must be one this build holds, with the same data."""
    for named in policies:
        try:
            policy = load_policy(named["version"])
        except NoPolicyVersion:
            raise SessionError(f"会评包使用的政策版本（{named['version']}）本机审核台没有登记") from None
        if named["hash"] != policy.content_hash:
            raise SessionError(f"会评包使用的政策版本（{named['version']}）与本机审核台不一致")


def open_session(package: Path, folder: Path, actor: str = "系统") -> str:
    """Make a session workspace in ``folder`` from a package; returns the session id.

    The package must carry its exporting 负责人's signature under the CA it brings.
    """
    manifest, members = read_package(package, SESSION_FORMAT)
    if (Path(folder) / DB_NAME).exists():
        raise SessionError(f"{folder} 已有工作区，请为会评选择一个新的文件夹")
    _check_policies(manifest.get("policies") or [manifest["policy"]])
    ca_pem = members["ca.pem"].decode("ascii")
    ca = cert_from_pem(ca_pem)
    try:
        exporter = cert_from_pem(manifest["exporter_certificate"])
    except (KeyError, TypeError, ReviewDeskError):
        raise PackageRefused(f"{package.name} 没有负责人的签名，不是本局导出的会评包") from None
    if (not certificate_issued_by(exporter, ca) or exporter_role(exporter) != LEAD_ROLE
            or common_name(exporter) != manifest.get("exported_by") or not manifest_signed_by(manifest, exporter)):
        raise PackageRefused(f"{package.name} 的负责人签名无效：会评包不是由该 CA 的负责人签名导出，或已被改动")
    staff = json.loads(members["reviewers.json"])
    with Workspace.open(folder) as ws:
        store = EvidenceStore(ws.evidence_dir)
        with ws.db.atomic():
            if manifest.get("demo"):
                ws.db.execute("INSERT INTO settings (key, value) VALUES ('demo', '1')")
            ws.db.execute("INSERT INTO settings (key, value) VALUES ('session_id', ?)", [manifest["session_id"]])
            ws.db.execute("INSERT INTO ca (id, certificate_pem, key_blob, origin, created_at) VALUES (1, ?, NULL, "
                          "'session', ?)", [ca_pem, audit.now_text()])
            for reviewer in staff:
                reviewer["key_blob"] = base64.b64decode(reviewer["key_blob"])
                ws.db.table("reviewers").insert(reviewer)
                ws.db.execute("INSERT INTO reviewer_certificates (fingerprint, name, certificate_pem, issued_at) "
                              "VALUES (?,?,?,?)", [reviewer["fingerprint"], reviewer["name"],
                                                   reviewer["certificate_pem"], reviewer["created_at"]])
            entries = json.loads(members["applications.json"])
            import_id = ws.db.execute(
                "INSERT INTO imports (file_name, sha256, row_count, updated, imported_at, actor) VALUES (?,?,?,0,?,?)",
                [package.name, hashlib.sha256(package.read_bytes()).hexdigest(), len(entries), audit.now_text(),
                 actor]).lastrowid
            for entry in entries:
                ws.db.table("applications").insert({**entry["application"], "import_id": import_id})
                ws.db.table("assessments").insert(entry["assessment"])
                for decision in entry.get("decisions", []):
                    ws.db.table("decisions").insert(decision)
                for declaration in entry.get("conflicts", []):
                    ws.db.table("conflicts").insert(declaration)
                for link in entry["evidence"]:
                    content = members[f"evidence/{link['sha256']}"]
                    _store_bytes(store, link["sha256"], content)
                    ws.db.execute("INSERT INTO evidence (sha256, size, kind) VALUES (?,?,?) "
                                  "ON CONFLICT(sha256) DO NOTHING", [link["sha256"], link["size"], link["kind"]])
                    ws.db.execute("INSERT INTO application_evidence (application_id, position, name, sha256) "
                                  "VALUES (?,?,?,?)", [link["application_id"], link["position"], link["name"],
                                                       link["sha256"]])
            ws.db.execute("INSERT INTO sessions (session_id, direction, file_name, created_at, details) "
                          "VALUES (?, 'in', ?, ?, ?)", [manifest["session_id"], package.name, audit.now_text(),
                                                        json.dumps({"exported_at": manifest["created_at"]})])
            audit.append(ws.db, actor, "打开会评包", package.name,
                         {"session_id": manifest["session_id"], "signed_by": manifest["exported_by"]})
            audit.append(ws.db, manifest["exported_by"], "会评包审核人员", package.name, {
                "session_id": manifest["session_id"],
                "reviewers": [{"name": r["name"], "role": r["role"], "fingerprint": r["fingerprint"]} for r in staff]})
    session_id: str = manifest["session_id"]
    return session_id


def _store_bytes(store: EvidenceStore, sha256: str, content: bytes) -> None:
    store.root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=store.root, delete=False) as scratch:
        scratch.write(content)
    try:
        stored = store.add(Path(scratch.name))
    finally:
        Path(scratch.name).unlink(missing_ok=True)
    if stored.sha256 != sha256:
        raise PackageRefused(f"会评包中的附件 {sha256[:12]} 内容与哈希不符")


def export_results(ws: Workspace, out: Path, *, signer: str, passphrase: str) -> int:
    """Write the decisions and conflict declarations made in this session, signed by session reviewer ``signer``."""
    session_id = ws.setting("session_id")
    if not session_id:
        raise SessionError("当前工作区不是会评工作区（由 session open 创建），没有可导出的会评结果")
    key = unlock(ws, signer, passphrase)
    decisions = list(ws.db.query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions ORDER BY decided_at"))
    conflicts = list(ws.db.query(f"SELECT {', '.join(CONFLICT_COLUMNS)} FROM conflicts ORDER BY declared_at"))
    write_package(out, RESULTS_FORMAT, {"session_id": session_id, "created_at": audit.now_text(),
                                        "signed_by": signer, "audit_head": audit.head_hash(ws.db)},
                  {"decisions.json": _json(decisions), "conflicts.json": _json(conflicts)}, key=key)
    with ws.db.atomic():
        audit.append(ws.db, signer, "导出会评结果", out.name, {"session_id": session_id, "decisions": len(decisions)})
    return len(decisions)


def merge_results(ws: Workspace, results: Path, actor: str = "系统") -> MergeReport:
    """Bring a session's signed decisions and declarations into this workspace.

    Every record is checked first (:mod:`models.sessions.merge`); anything wrong
    raises :class:`PackageRefused` and nothing is written.
    """
    checked = checked_results(ws, results)
    report = MergeReport()
    with ws.db.atomic():
        for declaration in checked.conflicts:
            if ws.db.execute("SELECT 1 FROM conflicts WHERE application_id = ? AND reviewer = ?",
                             [declaration["application_id"], declaration["reviewer"]]).fetchone():
                continue
            ws.db.table("conflicts").insert(declaration)
            report.declarations.append(f"{declaration['reviewer']} {declaration['application_id']}")
            audit.append(ws.db, declaration["reviewer"], "利益冲突声明（会评合并）", declaration["application_id"],
                         {"has_conflict": bool(declaration["has_conflict"]), "reason": declaration["reason"],
                          "record": json.loads(declaration["record"]), "signature": declaration["signature"]})
        for decision in checked.decisions:
            _merge_decision(ws, decision, report)
        if report.merged:
            ws.db.execute("UPDATE session_applications SET merged_at = ? WHERE session_id = ? AND merged_at IS NULL",
                          [audit.now_text(), checked.session_id])
        if report.merged or report.declarations:
            audit.append(ws.db, actor, "合并会评结果", results.name, {
                "session_id": checked.session_id, "merged": report.merged, "conflicts": report.conflicts,
                "declarations": report.declarations, "signed_by": checked.signed_by})
        if report.merged:
            from models.review.reassess import reassess_enterprise

            for uscc in {row[0] for row in ws.db.execute(
                    "SELECT DISTINCT uscc FROM applications WHERE application_id IN "
                    "(SELECT application_id FROM session_applications WHERE session_id = ?)", [checked.session_id])}:
                reassess_enterprise(ws, uscc)
    return report


def _merge_decision(ws: Workspace, decision: dict[str, Any], report: MergeReport) -> None:
    if ws.db.execute("SELECT 1 FROM decisions WHERE uuid = ?", [decision["uuid"]]).fetchone():
        report.already_present.append(decision["uuid"])
        return
    if decision["current"]:
        mine = ws.db.execute(
            "SELECT uuid, outcome, amount_yuan, reviewer FROM decisions WHERE application_id = ? AND stage = ? "
            "AND current = 1", [decision["application_id"], decision["stage"]]).fetchone()
        if mine and decision["supersedes"] == mine[0]:
            ws.db.execute("UPDATE decisions SET current = 0 WHERE uuid = ?", [mine[0]])
            mine = None
        if mine and (mine[1], mine[2]) != (decision["outcome"], decision["amount_yuan"]):
            report.conflicts.append(
                f"{decision['application_id']} {decision['stage']}：本工作区为{mine[1]}（{mine[2] or '—'} 元，"
                f"{mine[3]}），会评结果为{decision['outcome']}（{decision['amount_yuan'] or '—'} 元，"
                f"{decision['reviewer']}），请人工处理")
            return
        if mine:
            decision = {**decision, "current": 0}
    ws.db.table("decisions").insert(decision)
    report.merged.append(decision["uuid"])
    audit.append(ws.db, decision["reviewer"], f"{decision['stage']}决定（会评合并）", decision["application_id"],
                 {"uuid": decision["uuid"], "outcome": decision["outcome"], "amount_yuan": decision["amount_yuan"]})


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")
