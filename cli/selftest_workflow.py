"""The self-test's workflow steps: a throwaway demo workspace taken through a reviewer's whole day."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from decimal import Decimal
from importlib import resources
from pathlib import Path

SAMPLE_CSV = "sample-applications.csv"


class Scratch:
    """The temporary folder the workflow steps share; removed when the self-test ends."""

    folder: Path | None = None

    @classmethod
    def path(cls, *parts: str) -> Path:
        if cls.folder is None:
            cls.folder = Path(tempfile.mkdtemp(prefix="reviewdesk-selftest-"))
        return cls.folder.joinpath(*parts)

    @classmethod
    def remove(cls) -> None:
        if cls.folder is not None:
            shutil.rmtree(cls.folder, ignore_errors=True)
            cls.folder = None


def _workspace():
    from models.workspace.workspace import Workspace

    return Workspace.open(Scratch.path("ws"), create=False)


def _sample() -> Path:
    target = Scratch.path(SAMPLE_CSV)
    if not target.exists():
        target.write_bytes(resources.files("resources").joinpath("samples", SAMPLE_CSV).read_bytes())
    return target


def step_create_demo() -> str:
    from demo.workspace import create_demo

    return create_demo(Scratch.path("ws"), count=12)


def step_assess_file() -> str:
    from models.intake.assessing import assess_file
    from models.review.history import WorkspaceHistory

    with _workspace() as ws:
        results = assess_file(_sample(), WorkspaceHistory(ws.db))
    return f"{len(results)} 件：" + "，".join(f"{r.application_id} {r.status}" for r in results[:3]) + " …"


def _sample_evidence() -> Path:
    """The files the sample's 附件 column names, as small PDFs, the way an intake desk hands them over."""
    from reportlab.pdfgen import canvas

    from models.exports.fonts import register_reportlab_font
    from models.intake.validate import read_applications

    folder = Scratch.path("附件")
    folder.mkdir(exist_ok=True)
    font = register_reportlab_font()
    for app in read_applications(_sample()):
        for name in app.attachments:
            page = canvas.Canvas(str(folder / name))
            page.setFont(font, 14)
            page.drawString(72, 760, f"{app.enterprise} · {name}（自检样例）")
            page.save()
    return folder


def step_import_file() -> str:
    from demo.workspace import demo_signer
    from models.intake.importing import import_file

    with _workspace() as ws:
        result = import_file(ws, _sample(), evidence=_sample_evidence(), signer=demo_signer(ws))
        count = ws.db.execute("SELECT COUNT(*) FROM applications").fetchone()[0]
    return f"导入 {result.imported} 件、附件 {result.evidence_files} 个，工作区共 {count} 件"


def _decided_id(ws) -> str:
    """The first eligible application of the imported sample file."""
    row = ws.db.execute("SELECT s.application_id FROM assessments s JOIN applications a USING (application_id) "
                        "WHERE s.status = 'eligible' AND a.import_id = (SELECT MAX(id) FROM imports) "
                        "ORDER BY a.seq LIMIT 1").fetchone()
    return row[0]


def step_decide_both_stages() -> str:
    from models.review.decisions import DecisionInput, decide
    from models.review.conflicts import declare_conflict
    from demo.workspace import DEMO_PASSPHRASE

    with _workspace() as ws:
        application_id = _decided_id(ws)
        recommended = Decimal(ws.db.execute("SELECT recommended_yuan FROM assessments "
                                            "WHERE application_id = :application_id",
                                            {"application_id": application_id}).fetchone()[0])
        for reviewer, stage in (("审核员甲", "初审"), ("审核员乙", "复核")):
            declare_conflict(ws, application_id, reviewer, has_conflict=False, passphrase=DEMO_PASSPHRASE)
            decide(ws, DecisionInput(application_id, stage, "通过", reviewer, recommended, "自检"), DEMO_PASSPHRASE)
    return f"{application_id} 初审、复核均为通过，核定 {recommended} 元"


def step_export_and_verify_sheet() -> str:
    from demo.workspace import DEMO_PASSPHRASE
    from models.signing.reviewers import ca_certificate
    from sheets.batch import export_sheets
    from sheets.verify import verify_pdf

    out = Scratch.path("sheets")
    with _workspace() as ws:
        application_id = _decided_id(ws)
        report = export_sheets(ws, out, [application_id], "审核员乙", DEMO_PASSPHRASE, jobs=1)
        if report.failed:
            raise RuntimeError(f"审核表未导出：{report.failed}")
        verdict = verify_pdf(out / f"{application_id}.pdf", ca_certificate(ws), ws)
    if not verdict.ok:
        raise RuntimeError("审核表核验未通过：" + "；".join(verdict.reasons))
    return f"{application_id}.pdf 已签名并核验有效（签名人 {verdict.signer}）"


def step_backup_and_restore() -> str:
    from demo.workspace import ADMIN_NAME, DEMO_PASSPHRASE
    from models.workspace.backup import Restorer, restore_backup, write_backup
    from models.workspace.verification import verify_workspace
    from models.workspace.workspace import Workspace

    with _workspace() as ws:
        archive = write_backup(ws, Scratch.path("backup.zip"), actor="自检")
    restored = restore_backup(archive, Scratch.path("restored"), restorer=Restorer(ADMIN_NAME, DEMO_PASSPHRASE))
    with Workspace.open(restored, create=False) as copy:
        report = verify_workspace(copy)
    if not report.ok:
        raise RuntimeError("恢复后的工作区校验未通过：" + "；".join(report.problems))
    return f"备份 {archive.stat().st_size // 1024} KB，恢复后审计校验通过"


def offscreen_without_display() -> None:
    """A Linux machine with no display (CI, a server) draws Qt offscreen."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def step_main_window() -> str:
    offscreen_without_display()
    from gui.app import create_application, open_main_window

    from models.failures import stop_logging

    app = create_application()
    window = open_main_window(Scratch.path("restored"))
    try:
        window.show()
        app.processEvents()
        title = window.windowTitle()
        window.close()
        app.processEvents()
    finally:
        window.ws.close()  # type: ignore[attr-defined]  # a MainWindow at run time; typed QWidget here
        stop_logging()  # the log file is in the scratch folder, removed after the self-test
    return f"主窗口“{title}”已打开并关闭"
