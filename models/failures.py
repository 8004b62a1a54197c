"""What an error means: to the person (a plain Chinese message), to the process (its exit code), to the log.

Every error meant for a person is a :class:`ReviewDeskError` (defined in
``policy/failures.py``, the bottom layer); :class:`BadInput` is the kind whose
input could not be used. Anything else is a bug: its traceback goes to the log
file (the workspace's ``reviewdesk.log``, or the user's log folder when there is
no workspace) and the person sees a short Chinese message naming that file.
The CLI and the GUI both report errors through this module.
"""

from __future__ import annotations

import logging
from pathlib import Path

from policy.failures import BadInput, ReviewDeskError

__all__ = [
    "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "LOG", "LOGGER_NAME", "BadInput", "ReviewDeskError", "exit_code", "is_expected",
    "log_file", "log_to", "log_unexpected", "message_for", "stop_logging",
]

EXIT_OK = 0
EXIT_FAILED = 1  # refused, a check that failed, or an unexpected error (logged with its traceback)
EXIT_USAGE = 2  # bad input: a rejected or unreadable file, a wrong argument

LOGGER_NAME = "reviewdesk"
LOG = logging.getLogger(LOGGER_NAME)
_handler: logging.FileHandler | None = None


def is_expected(error: BaseException) -> bool:
    """A domain error, meant for a person; anything else is a bug."""
    return isinstance(error, ReviewDeskError)


def exit_code(error: BaseException, bad_input: tuple[type[BaseException], ...] = ()) -> int:
    """The process's exit code for ``error``; ``bad_input`` adds the errors a command counts as bad input."""
    if isinstance(error, (BadInput, *bad_input)):
        return EXIT_USAGE
    return EXIT_FAILED


def log_to(path: Path) -> None:
    """Send the log (unexpected errors with their tracebacks) to ``path``; replaces an earlier file."""
    global _handler
    stop_logging()
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    _handler = handler


def stop_logging() -> None:
    global _handler
    if _handler is not None:
        LOG.removeHandler(_handler)
        _handler.close()
        _handler = None


def log_file() -> Path | None:
    """The file the log goes to, if one is set."""
    return None if _handler is None else Path(_handler.baseFilename)


def log_unexpected(error: BaseException, what: str = "意外错误") -> None:
    """Write an unexpected error with its traceback to the log; domain errors are not logged."""
    if not is_expected(error):
        LOG.error(what, exc_info=(type(error), error, error.__traceback__))


def message_for(error: BaseException) -> str:
    """What the person is told: a domain error's own message, or a short line naming the log for a bug."""
    if is_expected(error):
        return str(error)
    where = log_file()
    told = f"\n详细信息已写入日志：{where}" if where is not None else ""
    return f"发生意外错误：{type(error).__name__}: {error}{told}"
