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
from dataclasses import dataclass, field, replace
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
from models.sessions.entries import entry_from_fields, entry_of
from models.sessions.package import (
    EXPORT_ACTION, RESULTS_FORMAT, SESSION_FORMAT, SESSION_FORMATS, PackageRefused, manifest_signed_by, read_package,
    write_package,
)
from models.sessions.merge import checked_results
from models.workspace import evidence_rows, people_rows, records, session_rows
from models.workspace.conflict_rows import all_declarations, conflict_from_row, put_declaration, stored_declaration
from models.workspace.decision_rows import (all_decisions, current_decision, decision_from_row,
                                            insert_decision, supersede)
from models.workspace.decision_rows import decision as decision_of
from models.workspace.people_rows import CaRow, CertificateRow, person_from_row
from models.workspace.records import ImportRow, money_text
from models.workspace.session_rows import IN, OUT, SessionRow
from models.workspace.workspace import DB_NAME, Workspace, put_setting


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
    return session_rows.session_of(ws.db, application_id)


def applications_out(ws: Workspace) -> dict[str, str]:
    """Application → the session it is out in, for every application not merged back yet."""
    return session_rows.applications_out(ws.db)


def describe_decisions(ws: Workspace, uuids: list[str]) -> list[str]:
    """One line per decision: 申报编号 阶段：结论（金额，审核人，时间）."""
    lines = []
    for decision_uuid in uuids:
        found = decision_of(ws.db, decision_uuid)
        if found is None:
            lines.append(decision_uuid)
            continue
        amount = money_text(found.amount_yuan)
        money = f"{amount} 元，" if amount else ""
        when = found.decided_at[:16].replace("T", " ")
        lines.append(f"{found.application_id} {found.stage}：{found.outcome}（{money}{found.reviewer}，{when}）")
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
        row = people_rows.person(ws.db, name)
        if row is None:
            raise SessionError(f"没有名为 {name} 的审核人员")
        blob = encrypt_private_key(key, passphrases[name], kdf, associated=name)
        staff.append({column: getattr(row, column) for column in people_rows.PERSON_COLUMNS}
                     | {"key_blob": base64.b64encode(blob).decode("ascii")})
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
        entry = entry_of(ws.db, application_id)
        if entry is None:
            raise SessionError(f"工作区中没有已评估的申报 {application_id}")
        policies.add((entry.assessment.policy_version, entry.assessment.policy_hash))
        for link in entry.evidence:
            evidence[f"evidence/{link.sha256}"] = store.read_verified(link.sha256)
        applications.append(entry.fields())
    staff = _staff(ws, reviewers, passphrases, travel_kdf or KdfParams.for_travel())
    in_use = sorted(policies)
    session_id = str(uuid.uuid4())
    created_at = audit.now_text()
    header = {"session_id": session_id, "created_at": created_at, "demo": ws.is_demo,
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
        session_rows.insert_session(ws.db, SessionRow(session_id, OUT, out.name, created_at,
                                                      {"reviewers": names, "exported_by": lead}), ids)
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
    manifest, members = read_package(package, *SESSION_FORMATS)
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
    people = [_person(reviewer, package.name) for reviewer in staff]
    try:
        listed = json.loads(members["applications.json"])
        entries = [entry_from_fields(fields, manifest["format"], package.name) for fields in listed]
    except (ValueError, TypeError, AttributeError):
        raise PackageRefused(f"{package.name} 中的申报清单 applications.json 无法读取，未打开") from None
    with Workspace.open(folder) as ws:
        store = EvidenceStore(ws.evidence_dir)
        with ws.db.atomic():
            if manifest.get("demo"):
                put_setting(ws.db, "demo", "1")
            put_setting(ws.db, "session_id", manifest["session_id"])
            people_rows.insert_ca(ws.db, CaRow(ca_pem, None, "session", audit.now_text()))
            for person in people:
                people_rows.insert_person(ws.db, person)
                people_rows.insert_certificate(ws.db, CertificateRow(person.fingerprint, person.name,
                                                                     person.certificate_pem, person.created_at))
            import_id = records.record_import(ws.db, ImportRow(
                package.name, hashlib.sha256(package.read_bytes()).hexdigest(), len(entries), False,
                audit.now_text(), actor))
            for entry in entries:
                records.insert_application(ws.db, replace(entry.application, import_id=import_id))
                records.put_assessments(ws.db, [entry.assessment])
                for made in entry.decisions:
                    insert_decision(ws.db, made)
                for declaration in entry.conflicts:
                    put_declaration(ws.db, declaration)
                for link in entry.evidence:
                    _store_bytes(store, link.sha256, members[f"evidence/{link.sha256}"])
                evidence_rows.register_files(ws.db, [(link.sha256, link.size, link.kind) for link in entry.evidence])
                evidence_rows.link_files(ws.db, [(link.application_id, link.position, link.name, link.sha256)
                                                 for link in entry.evidence])
            session_rows.insert_session(ws.db, SessionRow(manifest["session_id"], IN, package.name, audit.now_text(),
                                                          {"exported_at": manifest["created_at"]}))
            audit.append(ws.db, actor, "打开会评包", package.name,
                         {"session_id": manifest["session_id"], "signed_by": manifest["exported_by"]})
            audit.append(ws.db, manifest["exported_by"], "会评包审核人员", package.name, {
                "session_id": manifest["session_id"],
                "reviewers": [{"name": r["name"], "role": r["role"], "fingerprint": r["fingerprint"]} for r in staff]})
    session_id: str = manifest["session_id"]
    return session_id


def _person(fields: dict[str, Any], name: str) -> people_rows.PersonRow:
    """A reviewer the package brings, their key as it travelled (re-wrapped under their passphrase)."""
    try:
        return person_from_row(fields | {"key_blob": base64.b64decode(fields["key_blob"], validate=True)})
    except (KeyError, TypeError, ValueError) as error:
        raise PackageRefused(f"{name} 中的审核人员记录不完整或无法读取（{error}），未打开") from None


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
    decisions = [made.fields() for made in all_decisions(ws.db)]
    conflicts = [declaration.fields() for declaration in all_declarations(ws.db)]
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
            if stored_declaration(ws.db, declaration["application_id"], declaration["reviewer"]) is not None:
                continue
            put_declaration(ws.db, conflict_from_row(declaration))
            report.declarations.append(f"{declaration['reviewer']} {declaration['application_id']}")
            audit.append(ws.db, declaration["reviewer"], "利益冲突声明（会评合并）", declaration["application_id"],
                         {"has_conflict": bool(declaration["has_conflict"]), "reason": declaration["reason"],
                          "record": json.loads(declaration["record"]), "signature": declaration["signature"]})
        for decision in checked.decisions:
            _merge_decision(ws, decision, report)
        if report.merged:
            session_rows.mark_merged(ws.db, checked.session_id, audit.now_text())
        if report.merged or report.declarations:
            audit.append(ws.db, actor, "合并会评结果", results.name, {
                "session_id": checked.session_id, "merged": report.merged, "conflicts": report.conflicts,
                "declarations": report.declarations, "signed_by": checked.signed_by})
        if report.merged:
            from models.review.reassess import reassess_enterprise

            for uscc in sorted({stored.application.uscc for application_id in
                                session_rows.applications_in(ws.db, checked.session_id)
                                if (stored := records.application(ws.db, application_id)) is not None}):
                reassess_enterprise(ws, uscc)
    return report


def _merge_decision(ws: Workspace, decision: dict[str, Any], report: MergeReport) -> None:
    if decision_of(ws.db, decision["uuid"]) is not None:
        report.already_present.append(decision["uuid"])
        return
    if decision["current"]:
        mine = current_decision(ws.db, decision["application_id"], decision["stage"])
        if mine and decision["supersedes"] == mine.uuid:
            supersede(ws.db, [mine.uuid])
            mine = None
        mine_amount = None if mine is None else money_text(mine.amount_yuan)
        if mine and (mine.outcome, mine_amount) != (decision["outcome"], decision["amount_yuan"]):
            report.conflicts.append(
                f"{decision['application_id']} {decision['stage']}：本工作区为{mine.outcome}（{mine_amount or '—'} 元，"
                f"{mine.reviewer}），会评结果为{decision['outcome']}（{decision['amount_yuan'] or '—'} 元，"
                f"{decision['reviewer']}），请人工处理")
            return
        if mine:
            decision = {**decision, "current": 0}
    insert_decision(ws.db, decision_from_row(decision))
    report.merged.append(decision["uuid"])
    audit.append(ws.db, decision["reviewer"], f"{decision['stage']}决定（会评合并）", decision["application_id"],
                 {"uuid": decision["uuid"], "outcome": decision["outcome"], "amount_yuan": decision["amount_yuan"]})


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")
