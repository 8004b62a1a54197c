"""Every help text the CLI prints is Chinese: no English sentence from argparse's defaults slips through."""

from __future__ import annotations

import argparse
import re

import pytest

from cli.main import build_parser

ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")


def _commands() -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    pending = [("", build_parser())]
    while pending:
        prefix, parser = pending.pop()
        found[prefix] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend((f"{prefix} {name}".strip(), sub) for name, sub in action.choices.items())
    return found


COMMANDS = _commands()


def test_every_command_is_found():
    assert {"import", "decide", "export-sheets", "session"} <= set(COMMANDS)
    assert len(COMMANDS) > 25


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_has_no_english_sentence(command: str):
    text = COMMANDS[command].format_help().replace(f"reviewdesk {command}", "reviewdesk")
    assert ENGLISH_PHRASE.findall(text) == []
