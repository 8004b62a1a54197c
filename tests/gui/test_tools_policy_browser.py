"""The policy browser: both measures as a tree, every item with its rule, search, and 原文."""

from __future__ import annotations

import pytest

from gui.policy_browser import ID_ROLE, KIND_ROLE, PolicyBrowser, clause_spans, parent_path
from gui.qt import QUrl
from models.review.calculator import rule_summary
from policy.catalog import load_policy

POLICY = load_policy()


@pytest.fixture
def browser(qtbot) -> PolicyBrowser:
    widget = PolicyBrowser()
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    return widget


def test_lists_all_42_award_items_under_both_measures(browser: PolicyBrowser):
    assert len(POLICY.items) == 42
    assert sorted(browser.visible_items()) == sorted(POLICY.items)
    measures = [browser.proxy.index(row, 0).data(ID_ROLE) for row in range(browser.proxy.rowCount())]
    assert measures == ["生物医药", "纺织服装"]
    assert browser.count_label.text() == "共 56 个条款、42 个申报事项"


def test_each_item_sits_under_its_own_clause(browser: PolicyBrowser):
    for item in POLICY.items.values():
        node = browser._nodes[("item", item.id)]
        assert node.parent().data(KIND_ROLE) == "clause" and node.parent().data(ID_ROLE) == item.clause.id


def test_clause_paths_nest_as_the_document_numbers_them():
    assert parent_path("二（一）3") == "二（一）"
    assert parent_path("二（一）") == "二"
    assert parent_path("三") is None


def test_show_clause_shows_text_units_items_and_highlights_the_original(browser: PolicyBrowser):
    clause = POLICY.clauses["bio-2-1-3"]
    browser.show_clause(clause.id)
    assert browser.current() == ("clause", clause.id)
    assert browser.tree.currentIndex().data(ID_ROLE) == clause.id
    text = browser.detail.toPlainText()
    assert clause.text in text
    assert all(unit in text for unit in clause.units)
    for item in POLICY.items.values():
        if item.clause is clause:
            assert item.name in text and rule_summary(item, POLICY) in text
    assert browser.highlighted_text() == clause.text
    browser.show_source()
    assert browser.tabs.currentWidget() is browser.source


def test_show_item_gives_rule_numbers_with_quotes_conditions_and_checklist(browser: PolicyBrowser):
    item = POLICY.items["tex-tech-transform"]
    browser.show_item(item.id)
    text = browser.detail.toPlainText()
    assert rule_summary(item, POLICY) in text
    for number in item.numbers.values():
        assert f"{number.value}{number.unit}" in text and number.quote in text
    assert all(condition in text for condition in item.conditions)
    assert all(entry in text for entry in item.evidence)
    assert browser.highlighted_text() == item.clause.text


def test_every_clause_is_found_verbatim_in_the_original():
    spans = clause_spans(POLICY)
    assert set(spans) == set(POLICY.clauses)
    for clause_id, (start, end) in spans.items():
        assert POLICY.source_text[start:end] == POLICY.clauses[clause_id].text


def test_search_filters_the_tree_and_show_clause_clears_it(browser: PolicyBrowser):
    browser.search.setText("技术改造")
    shown = browser.visible_items()
    assert "tex-tech-transform" in shown and len(shown) < len(POLICY.items)
    assert "找到" in browser.count_label.text()
    browser.search.setText("没有这样的词语")
    assert browser.visible_items() == []
    browser.show_clause("bio-2-3-1")
    assert browser.search.text() == ""
    assert browser.tree.currentIndex().data(ID_ROLE) == "bio-2-3-1"
    assert len(browser.visible_items()) == 42


def test_links_in_the_detail_navigate(browser: PolicyBrowser):
    browser.show_item("bio-platform-national")
    assert "省级中小企业公共服务示范平台" in browser.detail.toPlainText()  # the counterpart link
    browser._link(QUrl("item:bio-platform-provincial"))
    assert browser.current() == ("item", "bio-platform-provincial")
    browser._link(QUrl("source:bio-2-1-3"))
    assert browser.tabs.currentWidget() is browser.source


def test_unknown_ids_are_refused(browser: PolicyBrowser):
    with pytest.raises(KeyError):
        browser.show_clause("no-such-clause")


def test_models_pass_the_model_tester(browser: PolicyBrowser, qtmodeltester):
    qtmodeltester.check(browser.model)
    browser.search.setText("标准")
    qtmodeltester.check(browser.proxy)


def test_renders(browser: PolicyBrowser, qtbot, tmp_path):
    browser.show_item("tex-tech-transform")
    qtbot.waitExposed(browser)
    assert browser.grab().save(str(tmp_path / "policy.png"))
