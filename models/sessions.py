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

from models import audit
from models.evidence import EvidenceStore
from models.failures import ReviewDeskError
from models.reviewers import ca_certificate
from models.ca import cert_from_pem, cert_to_pem
from models.session_package import RESULTS_FORMAT, SESSION_FORMAT, PackageRefused, read_package, write_package
from models.verification import verify_decision_row
from models.workspace import DB_NAME, Workspace

DECISION_COLUMNS = ("uuid", "application_id", "stage", "outcome", "amount_yuan", "opinion", "note",
                    "override_reason", "reviewer", "policy_version", "policy_hash", "cap_record_hash", "cap_yuan",
                    "decided_at", "supersedes", "current", "record", "signature")


class SessionError(ReviewDeskError):
    """A session cannot be exported, opened or merged as asked."""


@dataclass(slots=True)
class MergeReport:
    merged: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"合并 {len(self.merged)} 个决定，已存在（跳过）{len(self.already_present)} 个，"
                 f"冲突 {len(self.conflicts)} 个"]
        lines += [f"冲突：{text}" for text in self.conflicts]
        return lines


def in_session(ws: Workspace, application_id: str) -> str | None:
    """The session an application is out in, until its results are merged."""
    row = ws.db.execute("SELECT session_id FROM session_applications WHERE application_id = ? AND merged_at IS NULL "
                        "AND session_id IN (SELECT session_id FROM sessions WHERE direction = 'out')",
                        [application_id]).fetchone()
    return row[0] if row else None


def export_session(ws: Workspace, ids: list[str], reviewers: list[str], out: Path, actor: str = "系统") -> str:
    """Write the session package; returns its session id."""
    if not ids:
        raise SessionError("会评包至少要包含一件申报")
    ca_pem = cert_to_pem(ca_certificate(ws))
    applications = []
    evidence: dict[str, bytes] = {}
    store = EvidenceStore(ws.evidence_dir)
    for application_id in ids:
        rows = list(ws.db.query("SELECT * FROM applications WHERE application_id = ?", [application_id]))
        if not rows:
            raise SessionError(f"工作区中没有申报编号 {application_id}")
        assessment = next(ws.db.query("SELECT * FROM assessments WHERE application_id = ?", [application_id]))
        links = list(ws.db.query("SELECT ae.*, e.size, e.kind FROM application_evidence ae JOIN evidence e "
                                 "USING (sha256) WHERE application_id = ? ORDER BY position", [application_id]))
        for link in links:
            evidence[f"evidence/{link['sha256']}"] = store.read_verified(link["sha256"])
        decisions = list(ws.db.query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions WHERE application_id = ?",
                                     [application_id]))
        applications.append({"application": rows[0], "assessment": assessment, "evidence": links,
                             "decisions": decisions})
    staff = []
    for name in reviewers:
        found = list(ws.db.query("SELECT * FROM reviewers WHERE name = ?", [name]))
        if not found:
            raise SessionError(f"没有名为 {name} 的审核人员")
        row = found[0]
        staff.append({**row, "key_blob": base64.b64encode(row["key_blob"]).decode("ascii")})
    policy = load_policy()
    session_id = str(uuid.uuid4())
    header = {"session_id": session_id, "created_at": audit.now_text(), "demo": ws.is_demo,
              "policy": {"version": policy.version, "hash": policy.content_hash}}
    members = {
        "ca.pem": ca_pem.encode("ascii"),
        "reviewers.json": _json(staff),
        "applications.json": _json(applications),
        **evidence,
    }
    write_package(out, SESSION_FORMAT, header, members)
    with ws.db.atomic():
        ws.db.execute("INSERT INTO sessions (session_id, direction, file_name, created_at, details) VALUES (?,?,?,?,?)",
                      [session_id, "out", out.name, header["created_at"],
                       json.dumps({"reviewers": reviewers}, ensure_ascii=False)])
        ws.db.conn.executemany("INSERT INTO session_applications (session_id, application_id) VALUES (?, ?)",
                               [(session_id, application_id) for application_id in ids])
        audit.append(ws.db, actor, "导出会评包", out.name,
                     {"session_id": session_id, "applications": ids, "reviewers": reviewers})
    return session_id


def open_session(package: Path, folder: Path, actor: str = "系统") -> str:
    """Make a session workspace in ``folder`` from a package; returns the session id."""
    manifest, members = read_package(package, SESSION_FORMAT)
    if (Path(folder) / DB_NAME).exists():
        raise SessionError(f"{folder} 已有工作区，请为会评选择一个新的文件夹")
    policy = load_policy()
    if manifest["policy"]["hash"] != policy.content_hash:
        raise SessionError(f"会评包使用的政策版本（{manifest['policy']['version']}）与本机审核台不一致")
    ca_pem = members["ca.pem"].decode("ascii")
    cert_from_pem(ca_pem)
    with Workspace.open(folder) as ws:
        store = EvidenceStore(ws.evidence_dir)
        with ws.db.atomic():
            if manifest.get("demo"):
                ws.db.execute("INSERT INTO settings (key, value) VALUES ('demo', '1')")
            ws.db.execute("INSERT INTO settings (key, value) VALUES ('session_id', ?)", [manifest["session_id"]])
            ws.db.execute("INSERT INTO ca (id, certificate_pem, key_blob, origin, created_at) VALUES (1, ?, NULL, "
                          "'session', ?)", [ca_pem, audit.now_text()])
            for reviewer in json.loads(members["reviewers.json"]):
                reviewer["key_blob"] = base64.b64decode(reviewer["key_blob"])
                ws.db["reviewers"].insert(reviewer)
            entries = json.loads(members["applications.json"])
            import_id = ws.db.execute(
                "INSERT INTO imports (file_name, sha256, row_count, updated, imported_at, actor) VALUES (?,?,?,0,?,?)",
                [package.name, hashlib.sha256(package.read_bytes()).hexdigest(), len(entries), audit.now_text(),
                 actor]).lastrowid
            for entry in entries:
                ws.db["applications"].insert({**entry["application"], "import_id": import_id})
                ws.db["assessments"].insert(entry["assessment"])
                for decision in entry.get("decisions", []):
                    ws.db["decisions"].insert(decision)
                for link in entry["evidence"]:
                    content = members[f"evidence/{link['sha256']}"]
                    _store_bytes(store, link["sha256"], content)
                    ws.db.execute("INSERT INTO evidence (sha256, size, kind) VALUES (?,?,?) "
                                  "ON CONFLICT(sha256) DO NOTHING", [link["sha256"], link["size"], link["kind"]])
                    ws.db.execute("INSERT INTO application_evidence (application_id, position, name, sha256) "
                                  "VALUES (?,?,?,?)", [link["application_id"], link["position"], link["name"],
                                                       link["sha256"]])
            ws.db.execute("INSERT INTO sessions (session_id, direction, file_name, created_at, details) "
                          "VALUES (?, 'in', ?, ?, '{}')", [manifest["session_id"], package.name, audit.now_text()])
            audit.append(ws.db, actor, "打开会评包", package.name, {"session_id": manifest["session_id"]})
    return manifest["session_id"]


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


def export_results(ws: Workspace, out: Path, actor: str = "系统") -> int:
    """Write the decisions and conflict declarations made in this session workspace."""
    session_id = ws.setting("session_id")
    if not session_id:
        raise SessionError("当前工作区不是会评工作区（由 session open 创建），没有可导出的会评结果")
    decisions = list(ws.db.query(f"SELECT {', '.join(DECISION_COLUMNS)} FROM decisions ORDER BY decided_at"))
    conflicts = list(ws.db.query("SELECT * FROM conflicts ORDER BY declared_at"))
    write_package(out, RESULTS_FORMAT, {"session_id": session_id, "created_at": audit.now_text()},
                  {"decisions.json": _json(decisions), "conflicts.json": _json(conflicts)})
    with ws.db.atomic():
        audit.append(ws.db, actor, "导出会评结果", out.name, {"session_id": session_id, "decisions": len(decisions)})
    return len(decisions)


def merge_results(ws: Workspace, results: Path, actor: str = "系统") -> MergeReport:
    """Bring a session's signed decisions into this workspace. Raises :class:`PackageRefused`."""
    manifest, members = read_package(results, RESULTS_FORMAT)
    session_id = manifest.get("session_id")
    exported = {row[0] for row in ws.db.execute(
        "SELECT application_id FROM session_applications WHERE session_id = ?", [session_id])}
    if not exported:
        raise PackageRefused(f"{results.name} 不属于本工作区导出的任何会评包（会评编号 {session_id}）")
    try:
        decisions: list[dict[str, Any]] = json.loads(members["decisions.json"])
        declarations: list[dict[str, Any]] = json.loads(members["conflicts.json"])
    except (KeyError, ValueError):
        raise PackageRefused(f"{results.name} 的内容无法解析") from None
    certificates = {name: cert_from_pem(pem) for name, pem in ws.db.execute(
        "SELECT name, certificate_pem FROM reviewers")}
    ca = ca_certificate(ws)
    for decision in decisions:
        if set(decision) != set(DECISION_COLUMNS):
            raise PackageRefused(f"{results.name} 中的决定记录字段不符")
        if decision["application_id"] not in exported:
            raise PackageRefused(f"{results.name} 含有不在该会评包中的申报 {decision['application_id']}")
        problem = verify_decision_row(decision, certificates, ca)
        if problem:
            raise PackageRefused(f"{results.name} 未合并：{problem}")
    report = MergeReport()
    with ws.db.atomic():
        for decision in sorted(decisions, key=lambda d: (d["decided_at"], d["current"])):
            _merge_decision(ws, decision, report)
        for declaration in declarations:
            if declaration["application_id"] in exported:
                ws.db.execute(
                    "INSERT INTO conflicts (application_id, reviewer, has_conflict, reason, declared_at) "
                    "VALUES (?,?,?,?,?) ON CONFLICT(application_id, reviewer) DO NOTHING",
                    [declaration["application_id"], declaration["reviewer"], declaration["has_conflict"],
                     declaration["reason"], declaration["declared_at"]])
        if report.merged:
            ws.db.execute("UPDATE session_applications SET merged_at = ? WHERE session_id = ? AND merged_at IS NULL",
                          [audit.now_text(), session_id])
            audit.append(ws.db, actor, "合并会评结果", results.name, {
                "session_id": session_id, "merged": report.merged, "conflicts": report.conflicts})
            from models.reassess import reassess_enterprise

            for uscc in {row[0] for row in ws.db.execute(
                    "SELECT DISTINCT uscc FROM applications WHERE application_id IN "
                    "(SELECT application_id FROM session_applications WHERE session_id = ?)", [session_id])}:
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
    ws.db["decisions"].insert(decision)
    report.merged.append(decision["uuid"])
    audit.append(ws.db, decision["reviewer"], f"{decision['stage']}决定（会评合并）", decision["application_id"],
                 {"uuid": decision["uuid"], "outcome": decision["outcome"], "amount_yuan": decision["amount_yuan"]})


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")
