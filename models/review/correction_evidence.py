"""A 补正 answered with files only: evidence added to an application that waits for 补正.

The other way back from 待补正 is ``import --update`` of the application's row
(:mod:`models.intake.importing`). Either is one resubmission: the current
decisions are superseded, what changed is kept, one audit event, and the
enterprise's applications are re-assessed (an attachment's name can satisfy a
proof requirement).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from models.failures import ReviewDeskError
from models.limits import MAX_FILE_BYTES, megabytes
from models.review.corrections import (
    ADDED_EVIDENCE, Resubmission, before_resubmission, pending_correction, record_resubmissions,
)
from models.review.terms import IMPORTING_ROLES
from models.signing.signed_entries import ActingSigner, SignedAppender, require_signer
from models.workspace.evidence import EvidenceStore, StoredFile, guess_kind
from models.workspace import evidence_rows
from models.workspace.records import set_attachments
from models.workspace.workspace import Workspace

MAX_FILES = 50


class EvidenceRefused(ReviewDeskError):
    """The files cannot be added; nothing was stored or written."""


def _checked(paths: Sequence[Path]) -> list[Path]:
    if not paths:
        raise EvidenceRefused("请选择要补充的附件文件")
    if len(paths) > MAX_FILES:
        raise EvidenceRefused(f"一次最多补充 {MAX_FILES} 个附件，现为 {len(paths)} 个")
    problems = []
    for path in paths:
        if path.is_symlink() or not path.is_file():
            problems.append(f"附件 {path} 不存在或不是普通文件")
        elif path.stat().st_size > MAX_FILE_BYTES:
            problems.append(f"附件 {path.name} 超过 {megabytes(MAX_FILE_BYTES)}")
        elif not path.name.isprintable():
            problems.append(f"附件文件名“{path.name!r}”含有换行或控制字符")
    names = [path.name for path in paths]
    problems += [f"附件文件名 {name} 出现了不止一次" for name in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        raise EvidenceRefused("；".join(problems))
    return list(paths)


def add_evidence(ws: Workspace, application_id: str, paths: Sequence[Path], signer: ActingSigner) -> Resubmission:
    """Add ``paths`` to the application's evidence as its 补正; a file named as an existing attachment replaces it.

    The resubmission is what an import makes of an updated row, and is signed the same way: by an active person
    whose certificate's role may import, with their own key (``SigningRefused`` or ``ReviewerError`` else).
    Raises :class:`EvidenceRefused` (the application does not wait for 补正, a file
    is missing, too large or named twice) before anything is written.
    """
    require_signer(ws, signer, IMPORTING_ROLES, "补充补正附件")
    actor = signer.name
    if pending_correction(ws.db, application_id) is None:
        raise EvidenceRefused(f"{application_id} 不是待补正的申报，不能补充附件；需要改动申报内容请用“更新”导入")
    files = _checked([Path(p) for p in paths])
    store = EvidenceStore(ws.evidence_dir)
    try:
        added = [(path.name, store.add(path)) for path in files]  # content-addressed: harmless if we stop here
    except OSError as error:
        raise EvidenceRefused(f"无法读取或保存附件：{error.strerror or error}") from None
    with ws.db.atomic():
        before = before_resubmission(ws, [application_id])
        if application_id not in before:
            raise EvidenceRefused(f"{application_id} 不是待补正的申报，不能补充附件")
        old = list(before[application_id].evidence)
        replaced = {name for name, _ in added}
        kept = [(name, sha) for name, sha in old if name not in replaced]
        evidence = kept + [(name, stored.sha256) for name, stored in added]
        evidence_rows.register_files(ws.db, [(stored.sha256, stored.size, guess_kind(name)) for name, stored in added])
        evidence_rows.unlink_all(ws.db, [application_id])
        evidence_rows.link_files(ws.db, [(application_id, n, name, sha) for n, (name, sha) in enumerate(evidence)])
        attachments = list(json.loads(before[application_id].fields["attachments"]))
        attachments = [name for name in attachments if name not in replaced] + [name for name, _ in added]
        set_attachments(ws.db, application_id, attachments)
        signed = SignedAppender(signer, {"file": ADDED_EVIDENCE, "sha256": _files_digest(added)})
        (resubmission,) = record_resubmissions(ws, before, actor, ADDED_EVIDENCE, signed=signed)
        from models.review.reassess import reassess_enterprise

        reassess_enterprise(ws, str(before[application_id].fields["uscc"]), actor,
                            f"{application_id} 补正时补充了附件，材料要求的核对随之改变")
    return resubmission


def _files_digest(added: Sequence[tuple[str, StoredFile]]) -> str:
    """SHA-256 over the names and SHA-256 of the files added: what the signed record names as its file's."""
    listed = json.dumps(sorted((name, stored.sha256) for name, stored in added), ensure_ascii=False)
    return hashlib.sha256(listed.encode("utf-8")).hexdigest()
