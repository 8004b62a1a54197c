"""One error root: every exception class the program defines is a ReviewDeskError, but the named control-flow ones."""

from __future__ import annotations

import importlib
import inspect

import pytest

from policy.failures import ReviewDeskError
from tests.test_structure import MODULES

# Not errors for a person: they steer the program and never reach one.
CONTROL_FLOW = {
    "gui.ops.Cancelled",  # the 取消 button of a background operation
    "cli.selftest.SelfTestFailure",  # a self-test step's wrong result, printed as that step's line
    "models.signing.signatures._Unsignable",  # _quick_plain tells _plain to look closer; never leaves the module
}


def _defined_exceptions(module_name: str) -> list[type[BaseException]]:
    module = importlib.import_module(module_name)
    return [value for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module_name]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] in {"policy", "models", "sheets", "cli", "gui"}))
def test_every_error_the_program_defines_is_under_the_one_root(name: str) -> None:
    outside = [f"{cls.__module__}.{cls.__qualname__}" for cls in _defined_exceptions(name)
               if not issubclass(cls, ReviewDeskError) and f"{cls.__module__}.{cls.__qualname__}" not in CONTROL_FLOW]
    assert not outside, f"{outside} 不是 ReviewDeskError：界面和命令行会把它当作程序错误"


def test_the_control_flow_exceptions_still_exist() -> None:
    for qualified in CONTROL_FLOW:
        module, _, cls = qualified.rpartition(".")
        assert issubclass(getattr(importlib.import_module(module), cls), Exception)
