"""``python main.py [--workspace DIR] COMMAND ...``; no command starts the GUI."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn
from pathlib import Path

from cli import argparse_zh, commands
from models.failures import EXIT_USAGE
from models.review.terms import OUTCOMES, ROLES, STAGES

argparse_zh.install()

VERSION = "0.1.0"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 参数有误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reviewdesk", description="审核台 ReviewDesk：聊政办发〔2023〕10号 奖补审核")
    parser.add_argument("--version", action="version", version=f"ReviewDesk {VERSION}", help="显示版本号并退出")
    parser.add_argument("--workspace", type=Path, help="工作区文件夹（默认在用户数据目录）")
    parser.add_argument("--self-test", action="store_true", help="自检：逐步运行并核对结果")
    parser.add_argument("--screenshot", type=Path, metavar="FILE.png", help="离屏绘制主窗口并保存为 PNG 后退出")
    parser.add_argument("--view", choices=("queue", "review", "policy", "stats"), default="queue",
                        help="截图的视图（与 --screenshot 一起用）")
    parser.add_argument("--select", metavar="APPLICATION_ID", help="截图时选中的申报编号")
    parser.add_argument("--as-reviewer", metavar="NAME", help="截图时以该审核人的视角显示（不解锁密钥）")
    parser.add_argument("--draft", metavar="TEXT", help="截图前在审核意见中输入 TEXT（草稿，存于临时目录）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("assess", help="评估申报文件（不保存）")
    p.add_argument("file", type=Path, help="CSV、XLSX 或 JSON 申报文件")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--policy-version", metavar="VERSION", help="按指定的政策版本评估（默认按申报年度确定）")

    p = sub.add_parser("template", help="生成 XLSX 申报模板")
    p.add_argument("out", type=Path, help="模板保存路径（.xlsx）")

    p = sub.add_parser("demo", help="生成演示工作区")
    p.add_argument("--count", type=int, default=200, help="演示申报件数")

    p = sub.add_parser("import", help="导入申报文件（全部成功或全部不导入）")
    p.add_argument("file", type=Path)
    p.add_argument("--evidence", type=Path, help="附件目录或 ZIP 压缩包（默认：申报文件旁的 附件/ 目录）")
    p.add_argument("--update", action="store_true", help="允许更新已有申报编号，保留旧版本")
    p.add_argument("--supersede-decisions", metavar="REASON",
                   help="更新已作出决定的申报：撤销其现行决定、退回重新审核，并记录原因")
    p.add_argument("--policy-version", metavar="VERSION",
                   help="按指定的政策版本评估本批申报（默认按申报年度确定；指定记入审计日志）")
    p.add_argument("--reviewer", required=True, help="导入人（初审、复核或负责人），导入记录由其本人密钥签名")
    p.add_argument("--passphrase-file", type=Path, required=True, help="导入人本人的口令文件")

    p = sub.add_parser("list", help="列出工作区中的申报")
    p.add_argument("--json", action="store_true")

    ca = sub.add_parser("ca", help="审核机构 CA").add_subparsers(dest="ca_command", metavar="ACTION",
                                                               parser_class=_Parser, required=True)
    p = ca.add_parser("init", help="生成本工作区的 CA")
    p.add_argument("--passphrase-file", type=Path, help="为 CA 私钥加密的口令文件（缺省时在终端输入两次）")
    p = ca.add_parser("protect", help="为旧版本未加密存放的 CA 私钥设置口令")
    p.add_argument("--passphrase-file", type=Path, help="CA 口令文件（缺省时在终端输入两次）")
    p = ca.add_parser("export", help="导出 CA 证书（供 PDF 阅读器信任）")
    p.add_argument("out", type=Path, help="证书文件（.crt / .cer，PEM 格式）")
    p = ca.add_parser("import", help="导入上级签发的 CA（PKCS#12）")
    p.add_argument("file", type=Path)
    p.add_argument("--password-file", type=Path, help="PKCS#12 密码文件")
    p.add_argument("--passphrase-file", type=Path, help="为 CA 私钥加密的口令文件（缺省时在终端输入两次）")

    p = ca.add_parser("crl", help="重新签发证书吊销列表（系统管理员，CA 口令；有效期一年）")
    p.add_argument("--ca-passphrase-file", type=Path, required=True, help="CA 口令文件")
    p.add_argument("--by", metavar="ADMIN", required=True, help="办理的系统管理员")
    p.add_argument("--by-passphrase-file", type=Path, required=True, help="该系统管理员的口令文件")
    p = ca.add_parser("tsa", help="为旧工作区生成时间戳密钥（系统管理员，CA 口令）")
    p.add_argument("--ca-passphrase-file", type=Path, required=True, help="CA 口令文件")
    p.add_argument("--by", metavar="ADMIN", required=True, help="办理的系统管理员")
    p.add_argument("--by-passphrase-file", type=Path, required=True, help="该系统管理员的口令文件")

    reviewer = sub.add_parser("reviewer", help="审核人员").add_subparsers(
        dest="reviewer_command", metavar="ACTION", parser_class=_Parser, required=True)
    admin_help = "由系统管理员办理：CA 口令，以及系统管理员本人（添加第一位系统管理员时除外）"

    def admin_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--ca-passphrase-file", type=Path, required=True, help="CA 口令文件")
        p.add_argument("--by", metavar="ADMIN", help="办理的系统管理员")
        p.add_argument("--by-passphrase-file", type=Path, help="该系统管理员的口令文件")

    def confirmation_options(p: argparse.ArgumentParser, who: str) -> None:
        p.add_argument("--confirmed-by", metavar="NAME", help=f"确认这一变更的人：{who}")
        p.add_argument("--confirmed-by-passphrase-file", type=Path, help="确认人本人的口令文件")

    p = reviewer.add_parser("add", help=f"新增人员并签发证书（{admin_help}；已有负责人时新增负责人须经负责人确认）")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--passphrase-file", type=Path, help="新人员的口令文件（至少 10 个字符；缺省时在终端输入两次）")
    admin_options(p)
    confirmation_options(p, "新增负责人时，一位在任的负责人")
    for action, text in (("disable", "停用人员"), ("enable", "重新启用被停用（未吊销）的人员"),
                         ("revoke", "吊销人员的证书（此后的签名无效）")):
        p = reviewer.add_parser(action, help=f"{text}（{admin_help}）")
        p.add_argument("name")
        p.add_argument("--reason", required=True)
        admin_options(p)
    p = reviewer.add_parser("rekey", help=f"为人员更换密钥和证书（{admin_help}；须经本人或负责人确认）")
    p.add_argument("name")
    p.add_argument("--passphrase-file", type=Path, help="新口令文件（缺省时在终端输入两次）")
    admin_options(p)
    confirmation_options(p, "本人（用现在的口令），或系统管理员以外的一位负责人")
    reviewer.add_parser("list", help="列出人员及其状态")

    p = sub.add_parser("conflict", help="利益冲突声明（由声明人本人签名）")
    p.add_argument("application_id")
    p.add_argument("--reviewer", required=True)
    p.add_argument("--passphrase-file", type=Path, required=True, help="声明人本人的口令文件")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--none", action="store_true", help="声明无利益冲突")
    group.add_argument("--declare", metavar="REASON", help="声明存在利益冲突及原因")
    group.add_argument("--withdraw", metavar="REASON", help="撤回本人已声明的利益冲突及原因")

    p = sub.add_parser("decide", help="记录初审、复核或负责人决定（签名）")
    p.add_argument("application_id")
    p.add_argument("--stage", choices=STAGES, required=True)
    p.add_argument("--outcome", choices=OUTCOMES, required=True)
    p.add_argument("--amount", help="核定金额（万元）")
    p.add_argument("--opinion", default="", help="审核意见（打印在审核表上）")
    p.add_argument("--note", default="", help="内部备注（不打印）")
    p.add_argument("--override-reason", default="", help="核定金额超过上限时的理由")
    p.add_argument("--missing", action="append", default=[], metavar="ITEM",
                   help="退回补正时需补正的材料（每项一次，可多次给出）")
    p.add_argument("--deadline", metavar="YYYY-MM-DD", help="退回补正时的补正期限")
    p.add_argument("--reviewer", required=True)
    p.add_argument("--passphrase-file", type=Path, required=True)

    p = sub.add_parser("show", help="显示一件申报：审核阶段、现行决定、补正要求和补正后的变化")
    p.add_argument("application_id")
    p = sub.add_parser("verify-notice", help="离线核验补正告知书的签名及所附退回补正决定")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--ca", type=Path, help="用此 CA 证书核验（不用工作区的 CA，也不比对工作区记录）")
    p = sub.add_parser("resubmit", help="为待补正的申报补充附件（即补正提交，申报退回重新审核）")
    p.add_argument("application_id")
    p.add_argument("--evidence", type=Path, nargs="+", required=True, metavar="FILE", help="补充的附件文件")
    p.add_argument("--reviewer", required=True, help="登记补正的人员（初审、复核或负责人），由其本人密钥签名")
    p.add_argument("--passphrase-file", type=Path, required=True, help="该人员本人的口令文件")
    p = sub.add_parser("notice", help="生成退回补正申报的补正告知书（PDF，由审核人员签名）")
    p.add_argument("application_id")
    p.add_argument("--out", type=Path, required=True, help="告知书保存路径（.pdf）")
    p.add_argument("--signer", required=True, help="签名的审核人员")
    p.add_argument("--passphrase-file", type=Path, required=True)

    audit = sub.add_parser("audit", help="审计日志").add_subparsers(
        dest="audit_command", metavar="ACTION", parser_class=_Parser, required=True)
    p = audit.add_parser("verify", help="重放审计日志，校验各数据表、审计链和每个决定的签名")
    p.add_argument("--anchor", type=Path, action="append", metavar="FILE",
                   help="核对审核表（PDF）、备份或会评包所记载的审计链头仍在日志中（可多次给出）")
    p = audit.add_parser("show", help="显示最近的审计记录")
    p.add_argument("--limit", type=int, default=50)

    p = sub.add_parser("backup", help="备份工作区")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("restore", help="从备份恢复工作区（到 --workspace 指定的文件夹）")
    p.add_argument("file", type=Path)
    p.add_argument("--reviewer", metavar="NAME",
                   help="恢复人（系统管理员或负责人），恢复记录由其本人密钥签名；回退时即确认回退的负责人")
    p.add_argument("--confirm-rollback-by", metavar="NAME", help="备份比本机见过的状态更旧时，由负责人确认回退")
    p.add_argument("--passphrase-file", type=Path, help="恢复人（或确认回退的负责人）本人的口令文件")
    p.add_argument("--reason", help="回退的原因")

    p = sub.add_parser("summary", help="导出汇总表和公示名单（XLSX）")
    p.add_argument("--out", type=Path, required=True)

    p = sub.add_parser("export-sheets", help="导出签名的审核表（PDF）")
    p.add_argument("--out", type=Path, required=True, help="输出文件夹")
    p.add_argument("--ids", nargs="*", metavar="ID", help="申报编号（缺省为全部已作出初审决定的申报）")
    p.add_argument("--signer", required=True, help="签名的审核人员")
    p.add_argument("--passphrase-file", type=Path, required=True)
    p.add_argument("--jobs", type=int, help="并行进程数")

    p = sub.add_parser("timestamp-sheets", help="为已导出的审核表加盖文档时间戳（负责人；时间戳密钥用 CA 口令解锁）")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--lead", required=True, help="办理的负责人")
    p.add_argument("--passphrase-file", type=Path, required=True, help="负责人的口令文件")
    p.add_argument("--ca-passphrase-file", type=Path, required=True, help="CA 口令文件（解锁时间戳密钥）")
    p.add_argument("--out", type=Path, help="写入此文件夹（缺省为原地更新）")

    p = sub.add_parser("verify", help="离线核验审核表的签名，或查询打印件的校验码")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument("--ca", type=Path, help="用此 CA 证书核验（不用工作区的 CA）")
    p.add_argument("--code", help="打印件上的校验码")

    session = sub.add_parser("session", help="会评：导出、打开、导出结果、合并").add_subparsers(
        dest="session_command", metavar="ACTION", parser_class=_Parser, required=True)
    p = session.add_parser("export", help="导出会评包")
    p.add_argument("--ids", nargs="+", required=True, metavar="ID")
    p.add_argument("--reviewers", nargs="+", required=True, metavar="NAME")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--lead", required=True, help="导出并签名的负责人")
    p.add_argument("--passphrase-file", action="append", default=[], metavar="NAME=FILE",
                   help="负责人及每位审核人员的口令文件（密钥须用本人口令重新加密），每人一次")
    p = session.add_parser("open", help="在另一台电脑上用会评包建立会评工作区")
    p.add_argument("file", type=Path)
    p.add_argument("--workspace", dest="session_workspace", type=Path, help="会评工作区文件夹")
    p = session.add_parser("results", help="导出会评结果（由本次会评的一位审核人员签名）")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--signer", required=True)
    p.add_argument("--passphrase-file", type=Path, required=True)
    p = session.add_parser("merge", help="把会评结果合并回本工作区")
    p.add_argument("file", type=Path)
    _workspace_after_command(parser)
    return parser


def _workspace_after_command(parser: argparse.ArgumentParser) -> None:
    """Let ``--workspace DIR`` follow the command too (``demo --workspace DIR``), as a newcomer writes it."""
    for action in parser._subparsers._group_actions if parser._subparsers else []:  # noqa: SLF001 - argparse has no public walk
        for sub in action.choices.values():  # type: ignore[union-attr]  # a subparsers action: a dict of parsers
            if sub._subparsers is None:  # noqa: SLF001 - as above
                if not any("--workspace" in a.option_strings for a in sub._actions):  # noqa: SLF001 - as above
                    sub.add_argument("--workspace", type=Path, default=argparse.SUPPRESS,
                                     help="工作区文件夹（也可写在命令之前）")
            else:
                _workspace_after_command(sub)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:
        from cli.selftest import run_self_test

        return run_self_test(sys.stdout)
    if args.screenshot is not None:
        from gui.screenshot import take_screenshot
        from models.workspace.workspace import default_workspace

        folder = args.workspace or default_workspace()
        return commands.reported(lambda: take_screenshot(folder, args.screenshot, args.view, args.select,
                                                         reviewer=args.as_reviewer, draft=args.draft), folder)
    if args.command is None:
        from gui.app import run_gui

        return run_gui(args.workspace)
    return commands.run(args)
