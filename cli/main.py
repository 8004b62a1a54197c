"""``python main.py [--workspace DIR] COMMAND ...``; no command starts the GUI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

VERSION = "0.1.0"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on bad arguments, as we want
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 参数有误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _ChineseArgumentParser(prog="reviewdesk", description="审核台 ReviewDesk：聊政办发〔2023〕10号 奖补审核")
    parser.add_argument("--version", action="version", version=f"ReviewDesk {VERSION}")
    parser.add_argument("--workspace", type=Path, help="工作区文件夹")
    parser.add_argument("--self-test", action="store_true", help="自检：评估内置样例并核对结果")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ChineseArgumentParser)

    assess = commands.add_parser("assess", help="评估申报文件（不保存）")
    assess.add_argument("file", type=Path, help="CSV、XLSX 或 JSON 申报文件")
    assess.add_argument("--json", action="store_true", help="以 JSON 输出")

    template = commands.add_parser("template", help="生成 XLSX 申报模板")
    template.add_argument("out", type=Path, help="模板保存路径（.xlsx）")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:
        from cli.selftest import run_self_test

        return run_self_test(sys.stdout)
    if args.command == "assess":
        return run_assess(args.file, args.workspace, as_json=args.json)
    if args.command == "template":
        from models.template import write_template

        write_template(args.out)
        print(f"已生成申报模板：{args.out}")
        return EXIT_OK
    from gui.app import run_gui

    return run_gui(args.workspace)


def run_assess(file: Path, workspace: Path | None, as_json: bool) -> int:
    from cli.assess import print_json, print_table
    from models.assessing import assess_file
    from models.errors import ImportRejected

    history = None
    if workspace is not None:
        from models.workspace_history import open_history

        history = open_history(workspace)
    try:
        results = assess_file(file, history)
    except ImportRejected as rejected:
        sys.stderr.write(str(rejected) + "\n")
        return EXIT_USAGE
    if as_json:
        print_json(results, sys.stdout)
    else:
        print_table(results, sys.stdout)
    return EXIT_OK
