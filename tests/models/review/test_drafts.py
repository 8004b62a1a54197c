"""Drafts: kept per workspace, application and reviewer in the user's data folder, outside the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.review.drafts import Draft, DraftStore, default_drafts_path


def test_drafts_live_under_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_drafts_path() == tmp_path / "data" / "ReviewDesk" / "drafts.sqlite"


def test_a_draft_is_kept_per_workspace_application_and_reviewer(tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite"
    draft = Draft(stage="初审", outcome="不通过", amount="12.5", opinion="材料不全", note="内部", ticks=(2, 0))
    with DraftStore(tmp_path / "ws-a", path) as store:
        stored = store.put("LC-1", "审核员甲", draft)
        assert stored.ticks == (0, 2) and stored.saved_at
    with DraftStore(tmp_path / "ws-a", path) as again, DraftStore(tmp_path / "ws-b", path) as other:
        found = again.get("LC-1", "审核员甲")
        assert found is not None and found.same_fields(stored) and found.saved_at == stored.saved_at
        assert (found.outcome, found.amount, found.opinion, found.note, found.ticks) == \
            ("不通过", "12.5", "材料不全", "内部", (0, 2))
        assert again.get("LC-1", "审核员乙") is None and again.get("LC-2", "审核员甲") is None
        assert other.get("LC-1", "审核员甲") is None and other.applications_with_drafts() == set()
        assert again.applications_with_drafts("审核员甲") == {"LC-1"}
        again.discard("LC-1", "审核员甲")
        assert again.get("LC-1", "审核员甲") is None


def test_reading_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "drafts.sqlite"
    with DraftStore(tmp_path / "ws", path) as store:
        assert store.get("LC-1", "审核员甲") is None and store.applications_with_drafts() == set()
    assert not path.exists()
