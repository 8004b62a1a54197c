"""Each command: parse nothing, open the workspace, call the model, print the answer.

:func:`run` is the one catcher: a domain error (``ReviewDeskError``) prints its
Chinese message to stderr and exits with the code ``models.failures`` gives it
(2 for a rejected file, 1 for any other refusal); anything else is a bug, logged
with its traceback and told in one line (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from cli import correction_commands
from models.failures import EXIT_FAILED, EXIT_OK


def run(args: argparse.Namespace) -> int:
    name = args.command
    for sub in ("ca_command", "reviewer_command", "audit_command", "session_command"):
        if getattr(args, sub, None):
            name = f"{name} {getattr(args, sub)}"
    return reported(lambda: HANDLERS[name](args), args.workspace)


def reported(command: Callable[[], int], workspace: Path | None) -> int:
    """Run ``command``; an error it raises becomes a message on stderr and an exit code."""
    from models.failures import exit_code, is_expected, log_to, log_unexpected, message_for, stop_logging

    try:
        return command()
    except Exception as error:  # noqa: BLE001 - every error ends here: told, and logged when unexpected
        if not is_expected(error):
            where = _log_file(workspace)
            if where is not None:
                log_to(where)
            log_unexpected(error)
        sys.stderr.write(message_for(error) + "\n")
        stop_logging()
        return exit_code(error)


def _log_file(workspace: Path | None) -> Path | None:
    """The workspace's log, as the desktop program writes it; without one, the user's log folder."""
    import platformdirs

    from models.workspace.workspace import DB_NAME, LOG_NAME

    if workspace is not None and (workspace / DB_NAME).is_file():
        return workspace / LOG_NAME
    folder = Path(platformdirs.user_log_dir("ReviewDesk", appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # the traceback then goes to stderr, as Python's last-resort handler writes it
    return folder / LOG_NAME


def _workspace(args: argparse.Namespace, create: bool = True):
    from models.workspace.workspace import Workspace, default_workspace

    return Workspace.open(args.workspace or default_workspace(), create=create)


def assess(args: argparse.Namespace) -> int:
    from cli.assess import print_json, print_table
    from models.intake.assessing import assess_file, assess_file_in_workspace

    if args.workspace is not None:
        with _workspace(args, create=False) as ws:
            results = assess_file_in_workspace(args.file, ws.db, args.policy_version)
    else:
        results = assess_file(args.file, policy_version=args.policy_version)
    (print_json if args.json else print_table)(results, sys.stdout)
    return EXIT_OK


def template(args: argparse.Namespace) -> int:
    from models.intake.template import write_template

    write_template(args.out)
    print(f"已生成申报模板：{args.out}")
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    from demo.workspace import create_demo
    from models.workspace.workspace import default_workspace

    folder = args.workspace or default_workspace()
    summary = create_demo(folder, count=args.count, progress=lambda text: print(text, flush=True))
    print(summary)
    return EXIT_OK


def import_(args: argparse.Namespace) -> int:
    from models.intake.importing import import_file
    from models.review.evidence_match import evidence_folder_beside
    from models.signing.keys import read_passphrase_file
    from models.signing.signed_entries import unlock_importer

    evidence = args.evidence
    if evidence is None:  # as the GUI's import dialog does: the folder the intake desk ships beside its file
        evidence = evidence_folder_beside(Path(args.file))
        if evidence is not None:
            print(f"附件目录：{evidence}（与申报文件同目录；可用 --evidence 另行指定）", flush=True)
    passphrase = read_passphrase_file(args.passphrase_file)
    with _workspace(args) as ws:
        signer = unlock_importer(ws, args.reviewer, passphrase)
        result = import_file(ws, args.file, evidence=evidence, update=args.update, signer=signer,
                             supersede_reason=args.supersede_decisions or "", policy_version=args.policy_version)
    print(f"已导入 {result.file_name}：新增 {result.imported} 件，更新 {result.updated} 件，"
          f"附件 {result.evidence_files} 个（SHA-256 {result.sha256[:12]}…）")
    return EXIT_OK


def list_(args: argparse.Namespace) -> int:
    from models.review.policy_versions import item_names
    from models.review.queue import queue_rows

    with _workspace(args, create=False) as ws:
        rows = queue_rows(ws.db, item_names(ws.db))
    if args.json:
        json.dump([row.to_json() for row in rows], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for row in rows:
        cap = "—" if row.cap_yuan is None else f"{row.cap_yuan:,.2f}"
        approved = "—" if row.approved_yuan is None else f"{row.approved_yuan:,.2f}"
        print(f"{row.application_id}\t{row.enterprise}\t{row.item_name}\t{row.status}\t{row.stage}\t"
              f"上限 {cap}\t核定 {approved}")
    print(f"共 {len(rows)} 件")
    return EXIT_OK


def _passphrase(path: Path | None) -> str | None:
    from models.signing.keys import read_passphrase_file

    return None if path is None else read_passphrase_file(path)


def _new_passphrase(path: Path | None, whose: str) -> str:
    """From ``--passphrase-file``, or typed twice at the terminal with a strength hint."""
    import getpass

    from models.failures import ReviewDeskError
    from models.signing.keys import check_new_passphrase, passphrase_strength

    if path is not None:
        return check_new_passphrase(_passphrase(path) or "", whose)
    if not sys.stdin.isatty():
        raise ReviewDeskError(f"请用 --passphrase-file 提供{whose}，或在终端中运行以便输入两次")
    first = getpass.getpass(f"请设置{whose}（至少 10 个字符）：")
    print(f"口令强度：{passphrase_strength(first)}")
    check_new_passphrase(first, whose)
    if getpass.getpass(f"请再输入一次{whose}：") != first:
        raise ReviewDeskError(f"两次输入的{whose}不一致，未作任何改动")
    return first


def _admin_auth(args: argparse.Namespace):
    from models.failures import ReviewDeskError
    from models.signing.people import AdminAuth

    ca_passphrase = _passphrase(args.ca_passphrase_file)
    if ca_passphrase is None:
        raise ReviewDeskError("人员变更须提供 CA 口令：--ca-passphrase-file")
    if args.by is not None and args.by_passphrase_file is None:
        raise ReviewDeskError(f"请用 --by-passphrase-file 提供系统管理员 {args.by} 的口令")
    return AdminAuth(ca_passphrase, args.by, _passphrase(args.by_passphrase_file) or "")


def _confirmation(args: argparse.Namespace):
    """``--confirmed-by`` with its passphrase, or None."""
    from models.failures import ReviewDeskError
    from models.signing.people import Confirmation

    if args.confirmed_by is None:
        return None
    if args.confirmed_by_passphrase_file is None:
        raise ReviewDeskError(f"请用 --confirmed-by-passphrase-file 提供确认人 {args.confirmed_by} 的口令")
    return Confirmation(args.confirmed_by, _passphrase(args.confirmed_by_passphrase_file) or "")


def ca_init(args: argparse.Namespace) -> int:
    from models.signing.reviewers import init_ca

    with _workspace(args) as ws:
        fingerprint = init_ca(ws, passphrase=_new_passphrase(args.passphrase_file, "CA 口令"))
    print(f"已生成工作区 CA（私钥已用口令加密），证书指纹 SHA-256 {fingerprint}")
    print("下一步：reviewer add 姓名 --role 系统管理员 --passphrase-file … --ca-passphrase-file …")
    return EXIT_OK


def ca_protect(args: argparse.Namespace) -> int:
    from models.signing.reviewers import protect_ca

    with _workspace(args, create=False) as ws:
        protect_ca(ws, _new_passphrase(args.passphrase_file, "CA 口令"))
    print("已为 CA 私钥设置口令，此后以加密形式存放")
    return EXIT_OK


def ca_export(args: argparse.Namespace) -> int:
    from models.signing.ca import cert_to_pem, fingerprint
    from models.signing.reviewers import ca_certificate

    with _workspace(args, create=False) as ws:
        certificate = ca_certificate(ws)
    args.out.write_text(cert_to_pem(certificate), encoding="ascii")
    print(f"已导出 CA 证书 {args.out}（指纹 SHA-256 {fingerprint(certificate)}）")
    return EXIT_OK


def export_sheets(args: argparse.Namespace) -> int:
    from cli.sheet_commands import export_sheets as run_export

    return run_export(args)


def verify(args: argparse.Namespace) -> int:
    from cli.sheet_commands import verify as run_verify

    return run_verify(args)


def ca_import(args: argparse.Namespace) -> int:
    from models.signing.reviewers import import_ca

    password = args.password_file.read_bytes().rstrip(b"\r\n") if args.password_file else None
    with _workspace(args) as ws:
        fingerprint = import_ca(ws, args.file.read_bytes(), password,
                                passphrase=_new_passphrase(args.passphrase_file, "CA 口令"))
    print(f"已导入 CA（私钥已用口令加密），证书指纹 SHA-256 {fingerprint}")
    return EXIT_OK


def reviewer_add(args: argparse.Namespace) -> int:
    from models.signing.people import add_reviewer

    with _workspace(args) as ws:
        fingerprint = add_reviewer(ws, args.name, args.role, _new_passphrase(args.passphrase_file, f"{args.name} 的口令"),
                                   auth=_admin_auth(args), confirmation=_confirmation(args))
    print(f"已添加 {args.name}（{args.role}），证书指纹 SHA-256 {fingerprint}")
    return EXIT_OK


def reviewer_disable(args: argparse.Namespace) -> int:
    from models.signing.people import disable_reviewer

    with _workspace(args, create=False) as ws:
        disable_reviewer(ws, args.name, auth=_admin_auth(args), reason=args.reason)
    print(f"已停用 {args.name}：此后不能签名，此前的签名仍然有效")
    return EXIT_OK


def reviewer_enable(args: argparse.Namespace) -> int:
    from models.signing.people import enable_reviewer

    with _workspace(args, create=False) as ws:
        enable_reviewer(ws, args.name, auth=_admin_auth(args), reason=args.reason)
    print(f"已重新启用 {args.name}：此后可以再签名")
    return EXIT_OK


def reviewer_revoke(args: argparse.Namespace) -> int:
    from models.signing.people import revoke_reviewer

    with _workspace(args, create=False) as ws:
        at = revoke_reviewer(ws, args.name, auth=_admin_auth(args), reason=args.reason)
    print(f"已吊销 {args.name} 的证书（{at}）：此后的签名无效，此前的签名仍然有效")
    return EXIT_OK


def reviewer_rekey(args: argparse.Namespace) -> int:
    from models.signing.people import rekey_reviewer

    with _workspace(args, create=False) as ws:
        fingerprint = rekey_reviewer(ws, args.name, _new_passphrase(args.passphrase_file, f"{args.name} 的新口令"),
                                     auth=_admin_auth(args), confirmation=_confirmation(args))
    print(f"已为 {args.name} 更换密钥，新证书指纹 SHA-256 {fingerprint}；旧密钥此前的签名仍然有效")
    return EXIT_OK


def reviewer_list(args: argparse.Namespace) -> int:
    from models.signing.reviewers import list_reviewers

    with _workspace(args, create=False) as ws:
        for reviewer in list_reviewers(ws):
            revoked = f"（{reviewer.revoked_at}）" if reviewer.revoked_at else ""
            print(f"{reviewer.name}\t{reviewer.role}\t{reviewer.status}{revoked}\t{reviewer.fingerprint[:16]}…")
    return EXIT_OK


def conflict(args: argparse.Namespace) -> int:
    from models.review.conflicts import declare_conflict, withdraw_conflict
    from models.signing.keys import read_passphrase_file

    passphrase = read_passphrase_file(args.passphrase_file)
    with _workspace(args, create=False) as ws:
        if args.withdraw:
            withdraw_conflict(ws, args.application_id, args.reviewer, passphrase, args.withdraw)
            print(f"已撤回 {args.reviewer} 对 {args.application_id} 的利益冲突声明（{args.withdraw}），请重新声明")
            return EXIT_OK
        declare_conflict(ws, args.application_id, args.reviewer, has_conflict=bool(args.declare),
                         reason=args.declare or "", passphrase=passphrase)
    print(f"已记录 {args.reviewer} 签名的利益冲突声明（{args.application_id}）："
          + (f"存在冲突（{args.declare}），不参与审核" if args.declare else "无利益冲突"))
    return EXIT_OK


def _amount_yuan(text: str | None) -> Decimal | None:
    """``--amount`` in 万元, read as an intake file's amount column is."""
    from models.failures import ReviewDeskError
    from models.intake.values import Invalid, parse_amount

    if text is None:
        return None
    amount = parse_amount(text)
    if isinstance(amount, Invalid):
        raise ReviewDeskError(f"核定金额（万元）：{amount.message}")
    return amount


def decide(args: argparse.Namespace) -> int:
    from cli.correction_commands import deadline_date
    from models.review.decisions import DecisionInput, decide as record_decision
    from models.signing.keys import read_passphrase_file

    passphrase = read_passphrase_file(args.passphrase_file)
    with _workspace(args, create=False) as ws:
        decision = record_decision(ws, DecisionInput(
            application_id=args.application_id, stage=args.stage, outcome=args.outcome,
            amount_yuan=_amount_yuan(args.amount), opinion=args.opinion, note=args.note,
            override_reason=args.override_reason, reviewer=args.reviewer,
            missing_items=tuple(args.missing), deadline=deadline_date(args.deadline),
        ), passphrase)
    amount = "—" if decision.amount_yuan is None else f"{decision.amount_yuan:,.2f} 元"
    print(f"已记录{args.stage}决定 {decision.uuid}：{args.outcome}，核定金额 {amount}，签名人 {args.reviewer}")
    return EXIT_OK


def audit_verify(args: argparse.Namespace) -> int:
    from models.workspace.verification import verify_anchor_file, verify_workspace

    with _workspace(args, create=False) as ws:
        report = verify_workspace(ws)
        for anchor_file in args.anchor or []:
            if anchor_file.suffix.lower() == ".pdf":
                from models.workspace.verification import check_head
                from sheets.verify import sheet_audit_head

                digest = sheet_audit_head(anchor_file)
                held, line = (check_head(ws, digest, None, anchor_file.name) if digest
                              else (False, f"{anchor_file.name} 不是可读的审核表，读不到其审计链头"))
            else:
                held, line = verify_anchor_file(ws, anchor_file)
            report.add_check(held, line)
    for line in report.lines:
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


def audit_show(args: argparse.Namespace) -> int:
    from models.workspace.audit import entries

    with _workspace(args, create=False) as ws:
        for entry in reversed(entries(ws.db, args.limit)):
            print(f"{entry['seq']}\t{entry['at']}\t{entry['actor']}\t{entry['action']}\t{entry['subject']}")
    return EXIT_OK


def backup(args: argparse.Namespace) -> int:
    from models.workspace.backup import write_backup

    with _workspace(args, create=False) as ws:
        written = write_backup(ws, args.out)
    print(f"已备份到 {written}")
    return EXIT_OK


def restore(args: argparse.Namespace) -> int:
    from models.workspace.backup import Restorer, restore_backup
    from models.failures import ReviewDeskError

    if args.workspace is None:
        raise ReviewDeskError("恢复备份须用 --workspace 指定目标文件夹")
    name = args.reviewer or args.confirm_rollback_by
    if not name:
        raise ReviewDeskError("恢复备份须由系统管理员或负责人签名：请用 --reviewer 指定恢复人，--passphrase-file 提供其口令")
    if args.passphrase_file is None:
        raise ReviewDeskError(f"请用 --passphrase-file 提供恢复人 {name} 的口令")
    passphrase = _passphrase(args.passphrase_file) or ""
    confirm = None
    if args.confirm_rollback_by:
        from models.workspace.backup import RollbackConfirmation

        confirm = RollbackConfirmation(args.confirm_rollback_by, passphrase, args.reason or "")
    folder = restore_backup(args.file, args.workspace, restorer=Restorer(name, passphrase), confirm_rollback=confirm)
    print(f"已恢复到 {folder}")
    return EXIT_OK


def summary(args: argparse.Namespace) -> int:
    from models.exports.summary import export_summary

    with _workspace(args, create=False) as ws:
        count = export_summary(ws, args.out)
    print(f"已导出汇总表 {args.out}（{count} 件申报）")
    return EXIT_OK


def _passphrase_files(pairs: list[str]) -> dict[str, str]:
    """``NAME=FILE`` pairs as {name: passphrase}."""
    from models.failures import ReviewDeskError

    typed = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep:
            raise ReviewDeskError(f"--passphrase-file 须写成 姓名=口令文件，而不是 {pair}")
        typed[name] = _passphrase(Path(path)) or ""
    return typed


def session_export(args: argparse.Namespace) -> int:
    from models.sessions.session import export_session

    with _workspace(args, create=False) as ws:
        session_id = export_session(ws, args.ids, args.reviewers, args.out, lead=args.lead,
                                    passphrases=_passphrase_files(args.passphrase_file))
    print(f"已导出会评包 {args.out}（会评编号 {session_id}，{len(args.ids)} 件申报，{args.lead} 签名）")
    return EXIT_OK


def session_open(args: argparse.Namespace) -> int:
    from models.failures import ReviewDeskError
    from models.sessions.session import open_session

    folder = args.session_workspace or args.workspace
    if folder is None:
        raise ReviewDeskError("请用 --workspace 指定会评工作区文件夹")
    session_id = open_session(args.file, folder)
    print(f"已建立会评工作区 {folder}（会评编号 {session_id}）")
    return EXIT_OK


def session_results(args: argparse.Namespace) -> int:
    from models.sessions.session import export_results

    with _workspace(args, create=False) as ws:
        count = export_results(ws, args.out, signer=args.signer,
                               passphrase=_passphrase(args.passphrase_file) or "")
    print(f"已导出会评结果 {args.out}（{count} 个决定）")
    return EXIT_OK


def session_merge(args: argparse.Namespace) -> int:
    from models.sessions.session import merge_results

    with _workspace(args, create=False) as ws:
        report = merge_results(ws, args.file)
    for line in report.lines():
        print(line)
    return EXIT_OK


from cli import sheet_commands  # noqa: E402 - it imports nothing heavy at module level

HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "assess": assess, "template": template, "demo": demo, "import": import_, "list": list_,
    "ca init": ca_init, "ca import": ca_import, "ca protect": ca_protect, "ca export": ca_export,
    "export-sheets": export_sheets, "verify": verify, "timestamp-sheets": sheet_commands.timestamp_sheets,
    "ca crl": sheet_commands.ca_crl, "ca tsa": sheet_commands.ca_tsa, "reviewer add": reviewer_add, "reviewer list": reviewer_list,
    "reviewer disable": reviewer_disable, "reviewer enable": reviewer_enable, "reviewer revoke": reviewer_revoke, "reviewer rekey": reviewer_rekey,
    "conflict": conflict, "decide": decide, "audit verify": audit_verify, "audit show": audit_show,
    "backup": backup, "restore": restore, "summary": summary,
    "session export": session_export, "session open": session_open, "session results": session_results,
    "session merge": session_merge, "show": correction_commands.show, "notice": correction_commands.notice,
    "resubmit": correction_commands.resubmit, "verify-notice": correction_commands.verify_notice,
}
