"""The window refreshes from what a model function says it changed, and from nothing else."""

from __future__ import annotations

from models.changes import Changes


def test_changed_applications_are_read_again_and_the_just_shown_case_is_kept(qtbot, window):
    decided, other, untouched = (window.model.application_id(row) for row in range(3))
    for application_id in (decided, other, untouched):
        window.loader.request(application_id)
    qtbot.waitUntil(lambda: all(window.loader.cached(a) for a in (decided, other, untouched)), timeout=20_000)
    with qtbot.assertNotEmitted(window.queue_loaded, wait=200):
        window.apply_changes(Changes((decided, other)), keep_cached=decided)
    assert window.loader.cached(decided) is not None
    assert window.loader.cached(other) is None
    assert window.loader.cached(untouched) is not None


def test_an_import_reads_the_whole_queue_again(qtbot, window):
    with qtbot.waitSignal(window.queue_loaded, timeout=20_000):
        window.apply_changes(Changes(queue=True))
