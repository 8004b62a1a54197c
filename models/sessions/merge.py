"""The checks a 会评 results package passes before anything of it is merged.

Every record must be signed, or derived from signed records: a decision's
columns from its signed record (the note by its hash), its ``current`` flag from
the supersessions, a declaration's columns from its signature. Signatures must
fall between the export and the merge, by reviewers named for the session, and
not after a revocation. The stage table's rules are replayed as if each
decision had been made at the bureau. One failure refuses the whole package.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path
from typing import Any, cast

from models.signing.ca import CLOCK_SKEW
from models.review.conflicts import conflict_problem
from models.review.corrections import correction_of_record, correction_problem
from models.workspace import decision_rows, session_rows
from models.workspace.decision_rows import CURRENT, stored_decisions
from models.workspace.records import application, application_snapshot
from models.review.terms import ROLES_FOR_STAGE, STAGES_BY_NAME, stage_is_open, why_closed
from models.signing.reviewers import ca_certificate, certificates_of, get_reviewer, standing_at
from models.sessions.package import EXPORT_ACTION, RESULTS_FORMAT, PackageRefused, manifest_signed_by, read_package
from models.signing.signers import decision_standing
from models.signing.signatures import canonical_bytes
from models.workspace import conflict_rows
from models.workspace.verification import evidence_links
from models.workspace.workspace import Workspace


@dataclass(frozen=True, slots=True)
class CheckedResults:
    session_id: str
    signed_by: str
    decisions: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


def _export_entry(ws: Workspace, session_id: str) -> tuple[datetime | None, list[str], set[str]] | None:
    """(when, the reviewers, the applications) of the session's export, as its hash-chained log entry says.

    Not from the sessions tables: a row an insider edits with a matching entry
    appended later would otherwise add a reviewer or an application to the session.
    """
    for at, details in ws.db.execute("SELECT at, details FROM audit WHERE action = :action ORDER BY seq",
                                     {"action": EXPORT_ACTION}):
        content = json.loads(details)
        if content.get("session_id") == session_id:
            return _moment(at), list(content.get("reviewers", [])), set(content.get("applications", []))
    return None


class _Check:
    def __init__(self, ws: Workspace, results: Path) -> None:
        self.ws, self.name = ws, results.name
        self.manifest, self.members = read_package(results, RESULTS_FORMAT)
        self.session_id = str(self.manifest.get("session_id"))
        found = session_rows.exported(ws.db, self.session_id)
        exported = _export_entry(ws, self.session_id)
        if found is None or exported is None:
            raise PackageRefused(f"{self.name} 不属于本工作区导出的任何会评包（会评编号 {self.session_id}）")
        self.exported_at, self.staff, self.exported = exported
        self.now = datetime.now(UTC)
        self.ca = ca_certificate(ws)

    def refuse(self, why: str) -> PackageRefused:
        return PackageRefused(f"{self.name} 未合并（未作任何改动）：{why}")

    def in_window(self, text: Any, what: str) -> None:
        when = _moment(text)
        if when is None or self.exported_at is None or not (
                self.exported_at <= when <= self.now + CLOCK_SKEW):
            raise self.refuse(f"{what}的签名时间 {text} 不在会评包导出（{self.exported_at}）与合并之间")

    def signer(self) -> str:
        signer = self.manifest.get("signed_by")
        if signer not in self.staff:
            raise self.refuse(f"结果包的签名人 {signer!r} 不是本次会评的审核人员（{'、'.join(self.staff)}）")
        if not any(manifest_signed_by(self.manifest, c.certificate) and standing_at(c, self.manifest["created_at"])[0]
                   for c in certificates_of(self.ws, signer)):
            raise self.refuse(f"结果包上 {signer} 的签名无效：清单或文件在签名后被改动")
        self.in_window(self.manifest.get("created_at"), "结果包")
        return cast(str, signer)  # one of self.staff, checked above

    def rows(self, member: str, columns: tuple[str, ...], what: str) -> list[dict[str, Any]]:
        try:
            rows = json.loads(self.members[member])
        except (KeyError, ValueError):
            raise self.refuse(f"{member} 无法解析") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) and set(r) == set(columns) for r in rows):
            raise self.refuse(f"{what}的字段不符")
        for row in rows:
            if row["application_id"] not in self.exported:
                raise self.refuse(f"含有不在该会评包中的申报 {row['application_id']}（{what}）")
        return rows

    def conflicts(self) -> list[dict[str, Any]]:
        checked = []
        for row in self.rows("conflicts.json", conflict_rows.COLUMNS, "利益冲突声明"):
            mine = conflict_rows.stored_declaration(self.ws.db, row["application_id"], row["reviewer"])
            if mine == row:
                continue
            where = f"{row['reviewer']} 对 {row['application_id']} 的利益冲突声明"
            if row["reviewer"] not in self.staff:
                raise self.refuse(f"{where}：声明人不是本次会评的审核人员")
            problems = [conflict_problem(row, c.certificate) for c in certificates_of(self.ws, row["reviewer"])]
            if all(problems):
                raise self.refuse(cast(str, problems[0]) if problems else f"{where}：找不到声明人的证书")
            self.in_window(row["declared_at"], where)
            checked.append(row)
        return checked

    def decisions(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(every decision row, the ones new to this workspace), each checked against its signed record."""
        rows = self.rows("decisions.json", decision_rows.COLUMNS, "决定记录")
        bureau = {row["uuid"]: row for row in stored_decisions(
            self.ws.db, session_rows.applications_in(self.ws.db, self.session_id))}
        superseded = {row["supersedes"] for row in rows if row["supersedes"]}
        new = []
        for row in rows:
            where = f"决定 {row['uuid']}（{row['application_id']} {row['stage']}，{row['reviewer']}）"
            if row["current"] not in (0, 1) or row["current"] != int(row["uuid"] not in superseded):
                raise self.refuse(f"{where}：current 标志 {row['current']!r} 与签名记录中的替代关系不符")
            if row["uuid"] in bureau:
                differs = [c for c in decision_rows.COLUMNS if c != "current" and bureau[row["uuid"]][c] != row[c]]
                if differs:
                    raise self.refuse(f"{where}：与本工作区已有的同一决定不符（{'、'.join(differs)}）")
                continue
            if row["reviewer"] not in self.staff:
                raise self.refuse(f"{where}：签名人不是本次会评的审核人员（{'、'.join(self.staff)}）")
            problem, _ = decision_standing(self.ws, row, self.ca)
            if problem:
                raise self.refuse(problem)
            self.derived(row, where)
            self.in_window(row["decided_at"], where)
            new.append(row)
        return rows, new

    def derived(self, row: dict[str, Any], where: str) -> None:
        record = json.loads(row["record"])
        expected = {"policy_version": record["policy"]["version"], "policy_hash": record["policy"]["hash"],
                    "cap_record_hash": record["cap_record"]["record_hash"], "cap_yuan": record["cap_record"]["cap_yuan"]}
        for column, value in expected.items():
            if row[column] != value:
                raise self.refuse(f"{where}：{column} 与签名记录不符（签名为 {value!r}，结果包为 {row[column]!r}）")
        if hashlib.sha256(str(row["note"]).encode("utf-8")).hexdigest() != record["decision"].get("note_sha256"):
            raise self.refuse(f"{where}：内部备注（note）与签名记录中的 note_sha256 不符，备注已被替换")
        stored = application(self.ws.db, row["application_id"])
        ours = None if stored is None else json.loads(canonical_bytes({"a": application_snapshot(stored.application)}))["a"]
        if record.get("application") != ours:
            raise self.refuse(f"{where}：签名时的申报内容与本工作区的 {row['application_id']} 不一致")
        links = evidence_links(self.ws, row["application_id"]).get(row["application_id"], [])
        if "evidence" in record and record["evidence"] != links:
            raise self.refuse(f"{where}：签名时的附件与本工作区 {row['application_id']} 的附件不一致")

    def replay(self, new: list[dict[str, Any]], declarations: list[dict[str, Any]]) -> None:
        """The stage table's rules, decision by decision in signing order, as if made at the bureau."""
        state: dict[str, dict[str, dict[str, Any]]] = {}
        for row in self.ws.db.query(f"SELECT uuid, application_id, stage, outcome, reviewer FROM decisions "
                                    f"WHERE {CURRENT}"):
            state.setdefault(row["application_id"], {})[row["stage"]] = row
        declared = {(r["application_id"], r["reviewer"]): r for r in conflict_rows.stored_declarations(self.ws.db)}
        declared |= {(r["application_id"], r["reviewer"]): r for r in declarations}
        for row in sorted(new, key=lambda r: (cast(datetime, _moment(r["decided_at"])), r["current"])):
            app, stage, reviewer = row["application_id"], row["stage"], row["reviewer"]
            where = f"决定 {row['uuid']}（{app} {stage}，{reviewer}）"
            role = get_reviewer(self.ws, reviewer).role
            if stage not in STAGES_BY_NAME or role not in ROLES_FOR_STAGE[stage]:
                raise self.refuse(f"{where}：{reviewer} 的角色是{role}，不能作出{stage}决定")
            declaration = declared.get((app, reviewer))
            if declaration is None or \
                    cast(datetime, _moment(declaration["declared_at"])) > cast(datetime, _moment(row["decided_at"])):
                raise self.refuse(f"{where}：{reviewer} 作出决定前没有就 {app} 声明利益冲突")
            if declaration["has_conflict"]:
                raise self.refuse(f"{where}：{reviewer} 已声明与 {app} 存在利益冲突，须回避")
            items, deadline = correction_of_record(str(row["record"]))
            decided_on = cast(datetime, _moment(row["decided_at"])).astimezone().date()
            unfit = correction_problem(row["outcome"], items, deadline, today=decided_on)
            if unfit:
                raise self.refuse(f"{where}：{unfit}")
            current = state.setdefault(app, {})
            for other, decision in current.items():
                if other != stage and decision["reviewer"] == reviewer:
                    raise self.refuse(f"{where}：{reviewer} 已作出本件{other}决定，同一人不能在两个阶段作出决定")
            order = STAGES_BY_NAME[stage].order
            later = [s for s in current if STAGES_BY_NAME[s].order > order]
            if later:
                raise self.refuse(f"{where}：本件已有{'、'.join(later)}决定，不能再作出{stage}决定")
            outcomes = {s: d["outcome"] for s, d in current.items() if s != stage}
            if not stage_is_open(stage, outcomes):
                raise self.refuse(f"{where}：{why_closed(stage, outcomes)}")
            mine = current.get(stage)
            if mine is None or row["supersedes"] == mine["uuid"]:
                current[stage] = row


def checked_results(ws: Workspace, results: Path) -> CheckedResults:
    """The results' decisions (merge order) and new declarations; :class:`PackageRefused` naming the first fault."""
    check = _Check(ws, results)
    signer = check.signer()
    declarations = check.conflicts()
    rows, new = check.decisions()
    check.replay(new, declarations)
    ordered = sorted(rows, key=lambda r: (r["decided_at"], r["current"]))
    return CheckedResults(check.session_id, signer, ordered, declarations)
