"""``export-sheets`` and ``verify``: exit 0 when all is well, 1 when a sheet failed, 2 for bad arguments."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from models.failures import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def export_sheets(args: argparse.Namespace) -> int:
    """``export-sheets --out DIR [--ids ID ...] --signer NAME --passphrase-file FILE [--jobs N]``."""
    from cli.commands import _workspace
    from models.failures import ReviewDeskError, exit_code
    from models.signing.keys import PassphraseError, read_passphrase_file
    from models.signing.reviewers import ReviewerError
    from sheets.batch import ExportRefused, SheetResult, export_sheets as export

    if args.jobs is not None and args.jobs < 1:
        _err(f"参数有误：--jobs 须为正整数，而不是 {args.jobs}")
        return EXIT_USAGE
    try:
        passphrase = read_passphrase_file(args.passphrase_file)
    except PassphraseError as problem:
        _err(str(problem))
        return EXIT_USAGE
    last_line = [0.0]

    def progress(done: int, total: int, result: SheetResult) -> None:
        now = time.monotonic()
        if done == total or now - last_line[0] >= 1:
            last_line[0] = now
            print(f"已处理 {done}/{total}", flush=True)

    try:
        with _workspace(args, create=False) as ws:
            report = export(ws, args.out, args.ids or None, args.signer, passphrase, args.jobs, progress)
    except ReviewDeskError as refused:
        _err(str(refused))
        return exit_code(refused, bad_input=(ExportRefused, ReviewerError, PassphraseError))
    if report.warning:
        _err(f"注意：{report.warning}")
    rate = len(report.written) / report.seconds if report.seconds else 0.0
    print(f"已导出 {len(report.written)} 份审核表到 {args.out}（{report.seconds:.1f} 秒，每秒 {rate:.1f} 份）")
    for application_id, reason in report.failed:
        _err(f"未导出 {application_id}：{reason}")
    if report.failed:
        _err(f"共 {len(report.failed)} 份未导出")
        return EXIT_FAILED
    if not report.written:
        print("没有可导出的审核表（尚无初审决定）")
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    """``verify [FILE ...] [--code CODE] [--ca CA.crt]``: offline; the workspace, if any, adds the content checks."""
    from models.failures import ReviewDeskError
    from models.signing.reviewers import ca_certificate
    from models.workspace.workspace import Workspace, default_workspace
    from sheets.codes import BadCode
    from sheets.times import os_error_text
    from sheets.verify import load_ca_file, lookup_code, verify_pdf

    files: list[Path] = list(args.files or [])
    if not files and not args.code:
        _err("参数有误：请给出要核验的审核表文件，或用 --code 查询校验码")
        return EXIT_USAGE
    folder = args.workspace
    if folder is None and args.ca is None:
        folder = default_workspace()
    if args.code and folder is None:
        _err("参数有误：查询校验码需要工作区（--workspace）")
        return EXIT_USAGE
    try:
        ca = load_ca_file(args.ca) if args.ca is not None else None
    except OSError as problem:
        _err(f"参数有误：无法读取 CA 证书 {args.ca}：{os_error_text(problem)}")
        return EXIT_USAGE
    except ReviewDeskError as problem:
        _err(f"参数有误：CA 证书 {args.ca}：{problem}")
        return EXIT_USAGE
    try:
        # Read-only: no lock, so a sheet can be checked while the desktop program has the workspace open.
        ws = Workspace.open(folder, create=False, lock=False) if folder is not None else None
    except (OSError, ReviewDeskError) as problem:
        _err(f"参数有误：{os_error_text(problem) if isinstance(problem, OSError) else problem}")
        return EXIT_USAGE
    try:
        if ca is None and ws is not None:
            ca = ca_certificate(ws)
        assert ca is not None
        failed = 0
        if args.code:
            try:
                found = lookup_code(ws, args.code)  # type: ignore[arg-type]  # argparse gives text; lookup_code also takes the CodeLookup form
            except BadCode as bad:
                _err(str(bad))
                return EXIT_USAGE
            print(found.message)
            for label, value in found.fields:
                print(f"    {label}：{value}")
            failed += not found.ok
        for path in files:
            verdict = verify_pdf(path, ca, ws)
            if args.code and verdict.code and verdict.code != found.code:
                verdict.reasons.append(f"审核表的校验码为 {verdict.code}，与查询的 {found.code} 不符")
            failed += not verdict.ok
            _print_verdict(verdict)
        return EXIT_FAILED if failed else EXIT_OK
    except ReviewDeskError as refused:
        _err(str(refused))
        return EXIT_FAILED
    finally:
        if ws is not None:
            ws.close()


def _print_verdict(verdict) -> None:  # noqa: ANN001 - a sheets.verify.Verdict
    from sheets.times import local_time

    name = Path(verdict.path).name
    if verdict.ok:
        print(f"【有效】{name}：{verdict.application_id} 表号 {verdict.serial}，校验码 {verdict.code}；"
              f"签名人 {verdict.signer}，签名时间 {local_time(verdict.signed_at)}（{verdict.signed_at_source}）")
        if verdict.kind and verdict.kind != "有效":
            print(f"    判定：{verdict.kind}")
        if verdict.stamped_at:
            print(f"    文档时间戳：{local_time(verdict.stamped_at)}（本工作区时间戳服务）")
        if verdict.later_updates:
            print(f"    签名后添加（PAdES 允许，未改动内容）：{verdict.later_updates}")
        for check in verdict.decision_checks:
            print(f"    {check.stage}决定 {check.uuid[:8]}：{check.message}")
        for note in verdict.notes:
            print(f"    注意：{note}")
        if verdict.content_matches is None:
            print("    （未连接工作区：未比对工作区记录）")
        return
    if not verdict.reasons and verdict.outdated:
        print(f"【已过时】{name}：{verdict.subject()}，校验码 {verdict.code}；签名完好，但不再是现行审核表")
        for reason in verdict.currency.reasons:
            print(f"    - {reason}")
        newer = verdict.currency.newer
        if newer is not None:
            print(f"    较新的审核表：表号 {newer.serial}，校验码 {newer.code}（{newer.signer} 导出）")
        else:
            print("    尚无较新的审核表，请重新导出")
        return
    print(f"【无效】{name}：{verdict.subject()}")
    if verdict.kind and verdict.kind != "无效":
        print(f"    判定：{verdict.kind}")
    for reason in verdict.reasons:
        print(f"    - {reason}")


def ca_crl(args: argparse.Namespace) -> int:
    """``ca crl``: the 系统管理员 re-issues the CA's revocation list, valid one year."""
    from cli.commands import _admin_auth, _workspace
    from models.signing.revocation import reissue_crl

    with _workspace(args, create=False) as ws:
        crl = reissue_crl(ws, _admin_auth(args))
    ends = crl.next_update_utc
    print(f"已签发证书吊销列表：列出 {len(list(crl))} 张证书，有效至 "
          f"{ends.astimezone():%Y-%m-%d %H:%M}" if ends else "已签发证书吊销列表")
    return EXIT_OK


def ca_tsa(args: argparse.Namespace) -> int:
    """``ca tsa``: the 系统管理员 gives an older workspace its time-stamping key."""
    from cli.commands import _admin_auth, _workspace
    from models.signing.tsa import add_tsa

    with _workspace(args, create=False) as ws:
        fingerprint = add_tsa(ws, _admin_auth(args))
    print(f"已生成时间戳密钥（私钥已用 CA 口令加密），证书指纹 SHA-256 {fingerprint}")
    return EXIT_OK


def timestamp_sheets(args: argparse.Namespace) -> int:
    """``timestamp-sheets FILE ... --lead NAME --passphrase-file F --ca-passphrase-file F [--out DIR]``."""
    from cli.commands import _workspace
    from models.signing.keys import PassphraseError, read_passphrase_file
    from sheets.timestamps import timestamp_sheets as stamp

    try:
        lead_passphrase = read_passphrase_file(args.passphrase_file)
        ca_passphrase = read_passphrase_file(args.ca_passphrase_file)
    except PassphraseError as problem:
        _err(str(problem))
        return EXIT_USAGE
    with _workspace(args, create=False) as ws:
        report = stamp(ws, list(args.files), args.lead, lead_passphrase, ca_passphrase, args.out)
    rate = len(report.stamped) / report.seconds if report.seconds else 0.0
    print(f"已为 {len(report.stamped)} 份审核表加盖文档时间戳（{report.seconds:.1f} 秒，每秒 {rate:.1f} 份）")
    kept = sum(1 for sheet in report.stamped if sheet.stored)
    if kept:
        print(f"其中 {kept} 份已作为工作区保存的原件：此后再次导出或打印即为加盖时间戳的版本")
    for path, reason in report.failed:
        _err(f"未加时间戳 {path}：{reason}")
    if report.failed:
        _err(f"共 {len(report.failed)} 份未加时间戳")
        return EXIT_FAILED
    return EXIT_OK
