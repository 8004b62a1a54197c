"""``show`` (one application, with its 补正 and resubmission) and ``notice`` (its signed 补正告知书)."""

from __future__ import annotations

import argparse
from datetime import date

from models.failures import EXIT_FAILED, EXIT_OK


def deadline_date(text: str | None) -> date | None:
    """``--deadline`` as YYYY-MM-DD (or written as intake dates are: 2026/12/31, 2026年12月31日)."""
    from models.failures import ReviewDeskError
    from models.intake.values import Invalid, parse_date

    if text is None:
        return None
    parsed = parse_date(text)
    if isinstance(parsed, Invalid) or parsed is None:
        raise ReviewDeskError(f"补正期限“{text}”不是有效的日期（例如 2026-12-31）")
    return parsed


def show(args: argparse.Namespace) -> int:
    from cli.commands import _workspace
    from models.review.casefile import load_case
    from models.review.corrections import latest_resubmission, pending_correction
    from models.review.queue import queue_rows
    from policy.assessment import STATUS_LABELS

    with _workspace(args, create=False) as ws:
        case = load_case(ws, args.application_id)
        row = queue_rows(ws.db, {case.item.id: case.item.name}, [args.application_id])[0]
        waiting = pending_correction(ws.db, args.application_id)
        back = latest_resubmission(ws.db, args.application_id)
    app = case.application
    print(f"{app.application_id}\t{app.enterprise}（{app.uscc}）")
    print(f"申报事项：{case.item.name}\t评估结论：{STATUS_LABELS.get(case.cap.status, case.cap.status)}\t"
          f"审核阶段：{row.stage}")
    for decision in case.decisions:
        if decision.current:
            print(f"{decision.stage}：{decision.outcome}（{decision.reviewer}，{decision.decided_at[:16].replace('T', ' ')}）"
                  + (f"　意见：{decision.opinion}" if decision.opinion else ""))
    if waiting is not None:
        overdue = "（已逾期）" if waiting.overdue() else ""
        print(f"待补正：期限 {waiting.deadline.isoformat() if waiting.deadline else '—'}{overdue}，"
              f"由{waiting.reviewer}（{waiting.stage}）退回")
        for number, item in enumerate(waiting.items, start=1):
            print(f"    {number}. {item}")
    if back is not None:
        late = "，逾期提交" if back.late else ""
        print(f"已补正：{back.resubmitted_at[:16].replace('T', ' ')} {back.source}{late}；变化：")
        for line in back.lines():
            print(f"    {line}")
    return EXIT_OK


def notice(args: argparse.Namespace) -> int:
    from cli.commands import _workspace
    from models.signing.keys import read_passphrase_file
    from sheets.correction_notice import issue_notice

    passphrase = read_passphrase_file(args.passphrase_file)
    with _workspace(args, create=False) as ws:
        issued = issue_notice(ws, args.application_id, args.out, args.signer, passphrase)
    print(f"已生成补正告知书 {issued.path}（{issued.pages} 页，签名人 {issued.signer}，SHA-256 {issued.sha256[:12]}…）；"
          "请加盖单位印章后送达申报单位")
    return EXIT_OK


def resubmit(args: argparse.Namespace) -> int:
    """``resubmit ID --evidence FILE ...``: files supplied for a 补正, without a new row."""
    from cli.commands import _workspace
    from models.review.correction_evidence import add_evidence
    from models.signing.keys import read_passphrase_file
    from models.signing.signed_entries import unlock_importer

    passphrase = read_passphrase_file(args.passphrase_file)
    with _workspace(args, create=False) as ws:
        back = add_evidence(ws, args.application_id, args.evidence, unlock_importer(ws, args.reviewer, passphrase))
    print(f"已记录 {args.application_id} 的补正（{back.source}），已退回重新审核：")
    for line in back.lines():
        print(f"    {line}")
    return EXIT_OK


def verify_notice(args: argparse.Namespace) -> int:
    """``verify-notice FILE ... [--ca CA.crt]``: exit 0 when every letter verifies, 1 otherwise."""
    import sys

    from models.signing.reviewers import ca_certificate
    from models.workspace.workspace import Workspace, default_workspace
    from sheets.notice_verify import verify_notice as check
    from sheets.verify import load_ca_file

    folder = args.workspace if args.workspace is not None or args.ca is not None else default_workspace()
    ws = Workspace.open(folder, create=False, lock=False) if folder is not None else None
    try:
        ca = load_ca_file(args.ca) if args.ca is not None else ca_certificate(ws)  # type: ignore[arg-type]  # no --ca: the workspace was opened above
        failed = 0
        for path in args.files:
            verdict = check(path, ca, ws)
            failed += not verdict.ok
            if verdict.ok:
                print(f"【有效】{path.name}：{verdict.application_id} 的补正告知书，签名人 {verdict.signer}；"
                      f"需补正 {len(verdict.items)} 项，期限 {verdict.deadline}")
                for note in verdict.notes:
                    print(f"    注意：{note}")
                if ws is None:
                    print("    （未连接工作区：未比对审计日志）")
            else:
                print(f"【无效】{path.name}：{verdict.application_id or '（申报编号不明）'}")
                for reason in verdict.reasons:
                    print(f"    - {reason}")
        sys.stdout.flush()
        return EXIT_FAILED if failed else EXIT_OK
    finally:
        if ws is not None:
            ws.close()
