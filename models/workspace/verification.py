"""``audit verify``: the hash chain, and every decision's signature and stored fields."""

from __future__ import annotations

import base64
from collections.abc import Collection
import json
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from pathlib import Path

from models.workspace.anchors import Anchor, check_anchor
from models.workspace.audit import verify_chain
from models.workspace import people_rows
from models.workspace.decision_rows import current_in, stored_decisions
from models.workspace.evidence_rows import names_and_hashes, registered_files
from models.workspace.projection import compare
from models.signing.ca import certificate_issued_by
from models.signing.reviewers import ca_certificate
from models.pure_memo import PureMemo, input_digest
from models.signing.signatures import plain_values, public_key_der, verify_bytes
from models.workspace.workspace import Workspace

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

    def _drop_verdict(self) -> None:
        if self.lines and self.lines[-1].startswith(("校验通过", "校验未通过")):
            self.lines.pop()

    def conclude(self) -> None:
        """End the lines with the verdict (replacing an earlier one)."""
        self._drop_verdict()
        self.lines.append("校验通过" if self.ok else f"校验未通过：{len(self.problems)} 处问题")

    def add_check(self, held: bool, line: str) -> None:
        """A further check (a head a file carries), before the verdict, which it may turn."""
        self._drop_verdict()
        self.lines.append(line)
        if not held:
            self.problems.append(line)
        self.conclude()


def _signed_at(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


class _Issuers:
    """Whether each reviewer certificate was issued by the CA, checked once per certificate."""

    def __init__(self, ca: Any) -> None:
        self.ca = ca
        self._issued: dict[int, bool] = {}

    def issued(self, certificate: Any, at: datetime | None) -> bool:
        if self.ca is None:
            return True
        fingerprint = id(certificate)
        if fingerprint not in self._issued:
            self._issued[fingerprint] = certificate_issued_by(certificate, self.ca, at=None) or \
                certificate_issued_by(certificate, self.ca, at=at)
        if not self._issued[fingerprint]:
            return False
        moment = at or datetime.now().astimezone()
        return all(c.not_valid_before_utc <= moment <= c.not_valid_after_utc for c in (certificate, self.ca))


def verify_decision_row(row: dict[str, Any], certificates: dict[str, Any], ca: Any, issuers: _Issuers | None = None) -> str | None:
    """Why a decision row is not what its reviewer signed, or None when it is."""
    where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}，{row['reviewer']}）"
    certificate = certificates.get(row["reviewer"])
    if certificate is None:
        return f"{where}：找不到签名人的证书"
    signed_at = _signed_at(row["decided_at"])
    issuers = issuers or _Issuers(ca)
    if ca is not None and not issuers.issued(certificate, signed_at):
        return f"{where}：签名人的证书不是本工作区 CA 签发的"
    held = input_digest(public_key_der(certificate), _stored_signed(row))
    if _HELD.get(held):
        return None
    try:
        record = json.loads(row["record"])
        signature = base64.b64decode(row["signature"], validate=True)
    except (ValueError, TypeError):
        return f"{where}：签名记录已损坏"
    if not isinstance(record, dict) or not verify_bytes(certificate, str(row["record"]).encode("utf-8"), signature):
        return f"{where}：签名无效，签名记录已被改动"
    signed = record.get("decision", {})
    for column in _SIGNED_COLUMNS:
        if signed.get(column) != row[column]:
            return f"{where}：数据库中的 {column} 与签名记录不符（签名为 {signed.get(column)!r}，现为 {row[column]!r}）"
    cap = record.get("cap_record", {})
    if cap.get("record_hash") != row["cap_record_hash"] or cap.get("cap_yuan") != row["cap_yuan"]:
        return f"{where}：数据库中的评估记录与签名时依据的评估记录不符"
    _HELD.put(held, True)
    return None


# What a decision row's own check reads of it (with the signer's key); a row that held is remembered exactly so.
_stored_signed = itemgetter("record", "signature", *_SIGNED_COLUMNS, "cap_record_hash", "cap_yuan")
_HELD: PureMemo[bool] = PureMemo()


def verify_workspace(ws: Workspace, evidence_of: Collection[str] | None = None) -> VerifyReport:
    """Everything ``audit verify`` checks. The stored files behind decisions, and the sheets kept as originals, are
    hashed again for every application, or with ``evidence_of`` for those applications only (an export re-reads
    what its sheets show and the originals it may hand out again)."""
    report = VerifyReport()
    chain = verify_chain(ws.db)
    report.lines.append(chain.message)
    if not chain.ok:
        report.problems.append(chain.message)
    if chain.replay is not None:
        differences = compare(ws.db, chain.replay)
        for difference in differences:
            report.problems.append(difference.describe())
            report.lines.append(difference.describe())
        if not differences:
            report.lines.append("各数据表与审计日志重放结果一致")
        from models.workspace.assessment_check import check_assessments  # each assessment re-derived

        assessed = check_assessments(ws.db)
        report.problems += assessed.problems
        report.lines += [*assessed.problems, assessed.line()]
    has_ca = people_rows.has_ca(ws.db)
    ca = ca_certificate(ws) if has_ca else None
    from models.signing.signers import IssuedTo, decision_standing  # re-keys and revocations, by signing time
    from models.signing.logged import cleared_ends, logged_people

    logged = logged_people(chain.replay) if chain.replay is not None else None
    if logged is not None:
        from models.signing.reviewers import certificates_of

        names = sorted({issued.name for issued in people_rows.all_certificates(ws.db)})
        for found in (logged.problems, cleared_ends(logged, [c for n in names for c in certificates_of(ws, n)])):
            report.problems += found
            report.lines += found
    count = 0
    issuers = _Issuers(ca)
    issued_to = IssuedTo(ws, logged)
    for row in stored_decisions(ws.db):
        count += 1
        problem, note = decision_standing(ws, row, ca, issued_to, issuers)
        report.lines += [note] if note else []
        if problem:
            report.problems.append(problem)
            report.lines.append(problem)
    from models.signing.declarations import gate_problems, supersession_problems, vanished_decisions
    from models.signing.signers import conflict_problems, people_problems, two_stage_problems

    replay = chain.replay
    gate = gate_problems(ws, replay) + vanished_decisions(ws, replay) if replay is not None else []
    from models.signing.application_writes import rewritten_once_written, sheet_rows_against_records
    from models.signing.clock import clock_problems, decision_time_problems
    from models.signing.status import status_problems
    from models.signing.signed_entries import signed_entry_problems, signed_rows_line  # imports and restores
    from models.signing.key_approvals import key_change_problems  # re-keys confirmed by a second person
    from models.signing.same_person import lookalike_problems  # one name in traditional and simplified

    for found in (conflict_problems(ws), gate, people_problems(ws), status_problems(ws), two_stage_problems(ws),
                  supersession_problems(ws), signed_entry_problems(ws, issued_to), clock_problems(ws.db),
                  decision_time_problems(ws.db), rewritten_once_written(ws.db),
                  sheet_rows_against_records(ws.db), key_change_problems(ws), lookalike_problems(ws)):
        report.problems += found
        report.lines += found
    report.lines.append(signed_rows_line(ws))
    if count and not any("决定" in p for p in report.problems):
        report.lines.append(f"决定签名全部有效，共 {count} 个")
    elif not count:
        report.lines.append("尚无决定")
    from models.review.decided_evidence import altered_decided_evidence

    retargeted = changed_since_decided(ws) + altered_decided_evidence(ws, evidence_of)
    report.problems += retargeted
    report.lines += retargeted
    stale = stale_decisions(ws)
    if stale:
        shown = "、".join(f"{application_id} {stage}" for application_id, stage in stale[:10])
        report.lines.append(f"{len(stale)} 个现行决定作出后评估已变化（已过时，需重新决定，不属篡改）：{shown}"
                            + ("等" if len(stale) > 10 else ""))
    from models.workspace.sheet_originals import stored_original_problems

    kept, notes = stored_original_problems(ws, evidence_of)
    report.problems += kept
    report.lines += notes + kept
    report.conclude()
    return report


def replayed_rows(ws: Workspace) -> int:
    """About how many captured rows ``verify_workspace`` replays, which its time and memory follow
    (100,000 imported applications: 200,000–400,000 rows, 350 MB, 4 CPU-seconds to replay and compare
    and 9 to re-derive the assessments)."""
    return int(ws.db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_changes").fetchone()[0])


def verify_evidence(ws: Workspace) -> list[str]:
    """Each evidence row whose file is missing from the store or no longer has its hash."""
    from models.workspace.evidence import EvidenceStore, sha256_file

    store = EvidenceStore(ws.evidence_dir)
    problems = []
    for sha256, size in registered_files(ws.db):
        path = store.path_of(sha256)
        if not path.is_file():
            problems.append(f"附件 {sha256[:16]}… 在附件库中缺失")
        elif path.stat().st_size != size or sha256_file(path) != sha256:
            problems.append(f"附件 {sha256[:16]}… 的内容与登记的 SHA-256 不符")
    return problems



def check_head(ws: Workspace, digest: str, seq: int | None, origin: str) -> tuple[bool, str]:
    """Whether the log still holds the head ``digest`` (at ``seq`` when known) that ``origin`` carries."""
    if seq is None:
        row = ws.db.execute("SELECT seq FROM audit WHERE hash = :hash", {"hash": digest}).fetchone()
        if row is None:
            last = ws.db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()[0]
            return False, (f"{origin} 记载的审计链头 {digest[:16]}… 不在本工作区的审计日志中（日志共 {last} 条）："
                           "日志已被截断或改写，或该文件不属于本工作区")
        seq = int(row[0])
    problem = check_anchor(ws.db, Anchor(seq, digest, origin))
    if problem:
        return False, f"{origin}：{problem}"
    return True, f"{origin} 记载的审计链头（第 {seq} 条）仍在审计日志中"


def verify_anchor_file(ws: Workspace, path: Path) -> tuple[bool, str]:
    """Check the head that a backup or a 会评 package carries in its manifest."""
    import zipfile

    origin = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False, f"{origin} 不是审核台备份或会评包，读不到其清单"
    head = manifest.get("audit_head") if isinstance(manifest, dict) else None
    if not isinstance(head, dict) or not isinstance(head.get("hash"), str):
        return False, f"{origin} 的清单没有记载审计链头（旧版本生成的文件）"
    seq = head.get("seq")
    return check_head(ws, head["hash"], seq if isinstance(seq, int) else None, origin)


def stale_decisions(ws: Workspace) -> list[tuple[str, str]]:
    """(application, stage) of each current decision whose assessment changed after it was made."""
    return [(str(a), str(s)) for a, s in ws.db.execute(
        "SELECT d.application_id, d.stage FROM decisions d LEFT JOIN assessments s "
        f"ON s.application_id = d.application_id WHERE {current_in('d')} "
        "AND (s.record_hash IS NULL OR s.record_hash != d.cap_record_hash) ORDER BY d.application_id, d.stage")]


def evidence_links(ws: Workspace, application_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each application's attachments as a decision signs them: position, name and SHA-256 of the content."""
    links: dict[str, list[dict[str, Any]]] = {}
    for app, position, name, sha256 in names_and_hashes(ws.db, application_id):
        links.setdefault(app, []).append({"position": position, "name": name, "sha256": sha256})
    return links


def changed_since_decided(ws: Workspace) -> list[str]:
    """Each current decision whose application no longer is what its reviewer signed.

    The one way to change a decided application is to supersede its decisions
    (``import --update --supersede-decisions``), after which they are no longer
    current; so a difference here is a change made around the app, even one
    whose audit entry was forged to match.
    """
    from models.workspace.records import TABLE_COLUMNS, application_from_row, application_snapshot, columns_sql

    problems = []
    links = evidence_links(ws)
    rows = ws.db.execute(f"SELECT d.uuid, d.stage, d.reviewer, d.record, {columns_sql(TABLE_COLUMNS, 'a')} "
                         "FROM decisions d JOIN applications a ON a.application_id = d.application_id "
                         f"WHERE {current_in('d')} ORDER BY d.decided_at")
    for values in rows:
        uuid, stage, reviewer, record_text = values[:4]
        application_id = values[4 + TABLE_COLUMNS.index("application_id")]
        signed_links = links.get(str(application_id), [])
        unchanged = input_digest(record_text, tuple(values[4:]), repr(signed_links))
        if _UNCHANGED.get(unchanged):
            continue
        row = dict(zip(TABLE_COLUMNS, values[4:]))
        try:
            record = json.loads(record_text)
            signed = record.get("application", {})
            now = plain_values(application_snapshot(application_from_row(row)))
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
            problems.append(f"决定 {uuid}（{row.get('application_id')} {stage}，{reviewer}）：申报或签名记录已无法读取")
            continue
        changed = [key for key in dict.fromkeys([*signed, *now]) if signed.get(key) != now.get(key)]
        if "evidence" in record and record["evidence"] != signed_links:
            changed.append("附件内容")  # decisions signed before attachments were signed carry no "evidence"
        if changed:
            problems.append(f"决定 {uuid}（{row['application_id']} {stage}，{reviewer}）：申报内容与签名时不同"
                            f"（{'、'.join(changed)}），已作出决定的申报在决定之外被改动")
        else:
            _UNCHANGED.put(unchanged, True)
    return problems


# A decision's signed record, its application's row and attachments that were found alike, exactly so.
_UNCHANGED: PureMemo[bool] = PureMemo()
