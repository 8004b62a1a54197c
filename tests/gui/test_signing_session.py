"""The signing sitting: one key unlocked at a time, for its owner, locked after the idle time."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from gui.sitting import ReviewSession


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_for_its_owner_and_switching_locks_the_previous() -> None:
    session = ReviewSession({"甲": "初审", "乙": "复核"})
    first, second = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    session.remember_key("甲", first)
    assert session.key("甲") is first and session.key("乙") is None
    session.remember_key("乙", second)
    assert session.key("甲") is None and not session.is_unlocked("甲") and session.key("乙") is second


def test_the_key_locks_after_the_idle_time_and_each_use_restarts_it() -> None:
    clock = Clock()
    session = ReviewSession({"甲": "初审"}, idle_seconds=600, clock=clock)
    session.remember_key("甲", ec.generate_private_key(ec.SECP256R1()))
    clock.now += 599
    assert session.key("甲") is not None
    clock.now += 599
    assert session.is_unlocked("甲")
    clock.now += 601
    assert session.idle_expired() and session.key("甲") is None and not session.is_unlocked("甲")


def test_the_window_locks_an_idle_key_and_says_so(qtbot, window, choose_reviewer) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    clock = Clock()
    window.session.clock = clock
    choose_reviewer(window, "审核员甲")
    assert window.session.is_unlocked("审核员甲")
    clock.now += window.session.idle_seconds + 1
    window.lock_if_idle()
    assert window.session.current is None and not window.session.is_unlocked("审核员甲")
    assert window.reviewer_combo.currentData() == ""
    assert "已闲置 10 分钟，已锁定" in window.statusBar().currentMessage()


def test_the_idle_time_is_set_in_settings(qtbot, window, monkeypatch) -> None:  # noqa: ANN001 - pytest fixtures and test doubles go unannotated
    from gui.sitting import idle_minutes
    from gui.settings_dialog import SettingsDialog

    def exec_(dialog: SettingsDialog) -> int:
        assert dialog.idle_minutes.value() == 10
        dialog.idle_minutes.setValue(3)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", exec_)
    window.open_settings()
    assert idle_minutes() == 3 and window.session.idle_seconds == 180
