"""政策浏览: both measures as a tree, every clause verbatim, each award item's rule and numbers, and 原文."""

from __future__ import annotations

import html
import re
from functools import cache

from models.review.calculator import KIND_LABELS, NUMBER_LABELS, TIMING_LABELS, as_written, rule_summary
from policy.catalog import AwardItem, Clause, Policy, load_policy
from policy.versions import current_version

from gui.qt import (
    Qt, QAbstractItemView, QColor, QIcon, QLabel, QLineEdit, QModelIndex, QPainter, QPixmap,
    QSortFilterProxyModel, QSplitter, QStandardItem, QStandardItemModel, QTabWidget, QTextBrowser,
    QTextCharFormat, QTextCursor, QTextEdit, QTreeView, QUrl, QVBoxLayout, QWidget, Signal,
)


KIND_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3
HIGHLIGHT = "#FFE98A"
ITEM_COLOUR = "#2F6DB5"
REFERRAL_COLOUR = "#8A8F98"


def parent_path(path: str) -> str | None:
    """``二（一）3`` → ``二（一）`` → ``二`` → None."""
    numbered = re.fullmatch(r"(.+）)\d+", path)
    if numbered:
        return numbered.group(1)
    if "（" in path:
        return path.split("（", 1)[0]
    return None


def clause_spans(policy: Policy) -> dict[str, tuple[int, int]]:
    """Where each clause's text stands in ``policy.source_text``, searched in document order."""
    spans: dict[str, tuple[int, int]] = {}
    position = 0
    for clause in policy.clauses.values():
        start = policy.source_text.find(clause.text, position)
        if start >= 0:
            spans[clause.id] = (start, start + len(clause.text))
            position = start
    return spans


@cache
def _dot(colour: str) -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(4, 4, 8, 8)
    painter.end()
    return QIcon(pixmap)


def _node(text: str, kind: str, ident: str, search: str) -> QStandardItem:
    node = QStandardItem(text)
    node.setEditable(False)
    node.setData(kind, KIND_ROLE)
    node.setData(ident, ID_ROLE)
    node.setData(search, SEARCH_ROLE)
    node.setToolTip(text)
    return node


def build_tree(policy: Policy) -> tuple[QStandardItemModel, dict[tuple[str, str], QStandardItem]]:
    """measure → 一/二/三 → （一）… → clause → award items; and a (kind, id) → node index."""
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels(["条款与申报事项"])
    nodes: dict[tuple[str, str], QStandardItem] = {}
    items_by_clause: dict[str, list[AwardItem]] = {}
    for item in policy.items.values():
        items_by_clause.setdefault(item.clause.id, []).append(item)
    for measure, title in policy.measure_titles.items():
        top = _node(f"{measure}　{title}", "measure", measure, f"{measure} {title}")
        model.appendRow(top)
        nodes[("measure", measure)] = top
        by_path: dict[str, QStandardItem] = {}
        for clause in policy.clauses_of(measure):
            parent = by_path.get(parent_path(clause.path) or "", top)
            search = " ".join((clause.path, clause.heading, clause.text, *clause.units))
            node = _node(f"{clause.path}　{clause.heading}", "clause", clause.id, search)
            parent.appendRow(node)
            by_path[clause.path] = node
            nodes[("clause", clause.id)] = node
            for item in items_by_clause.get(clause.id, []):
                rule = rule_summary(item, policy)
                search = " ".join((item.name, *item.aliases, rule, *item.conditions, KIND_LABELS[item.kind]))
                child = _node(item.name, "item", item.id, search)
                child.setToolTip(f"{item.name}\n{rule}")
                colour = REFERRAL_COLOUR if item.kind == "referral" else ITEM_COLOUR
                child.setIcon(_dot(colour))
                child.setForeground(QColor(colour))
                node.appendRow(child)
                nodes[("item", item.id)] = child
    return model, nodes


class PolicyBrowser(QWidget):
    """Browse 聊政办发〔2023〕10号; :meth:`show_clause` / :meth:`show_item` jump to one."""

    clause_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None, policy: Policy | None = None) -> None:
        super().__init__(parent)
        self.policy = policy or load_policy(current_version().id)
        self._spans = clause_spans(self.policy)
        self._current: tuple[str, str] | None = None
        self._source_start: int | None = None

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("搜索条款、申报事项、别称、责任单位…")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel(self)

        self.model, self._nodes = build_tree(self.policy)
        self.model.setParent(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setAutoAcceptChildRows(True)

        self.tree = QTreeView(self)
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.expandToDepth(1)

        self.detail = QTextBrowser(self)
        self.detail.setOpenLinks(False)
        self.source = QTextBrowser(self)
        self.source.setPlainText(self.policy.source_text)
        self.source.setOpenLinks(False)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.detail, "条款与事项")
        self.tabs.addTab(self.source, "原文")

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.count_label)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([400, 600])
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.search.textChanged.connect(self._filter)
        self.tree.selectionModel().currentChanged.connect(self._selected)
        self.detail.anchorClicked.connect(self._link)
        self.tabs.currentChanged.connect(lambda _: self._scroll_source())
        self._update_count()
        self._show_welcome()

    # --- public -------------------------------------------------------------

    def show_clause(self, clause_id: str) -> None:
        """Select the clause, show its text and items, and highlight it in 原文."""
        if ("clause", clause_id) not in self._nodes:
            raise KeyError(clause_id)
        self._select(("clause", clause_id))

    def show_item(self, item_id: str) -> None:
        if ("item", item_id) not in self._nodes:
            raise KeyError(item_id)
        self._select(("item", item_id))

    def show_source(self) -> None:
        self.tabs.setCurrentWidget(self.source)

    def current(self) -> tuple[str, str] | None:
        """(kind, id) of what is shown: ("clause", "bio-2-1-3"), ("item", …) or ("measure", …)."""
        return self._current

    def visible_items(self) -> list[str]:
        """Ids of the award items the tree shows under the current search."""
        found: list[str] = []

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                if index.data(KIND_ROLE) == "item":
                    found.append(index.data(ID_ROLE))
                walk(index)

        walk(QModelIndex())
        return found

    # --- tree ---------------------------------------------------------------

    def _select(self, key: tuple[str, str]) -> None:
        index = self.proxy.mapFromSource(self._nodes[key].index())
        if not index.isValid():
            self.search.clear()
            index = self.proxy.mapFromSource(self._nodes[key].index())
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._show(key)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()
        else:
            self.tree.collapseAll()
            self.tree.expandToDepth(1)
        self._update_count()

    def _update_count(self) -> None:
        shown = len(self.visible_items())
        total = len(self.policy.items)
        clauses = len(self.policy.clauses)
        if self.search.text().strip():
            self.count_label.setText(f"找到 {shown} 个申报事项（共 {total} 个）")
        else:
            self.count_label.setText(f"共 {clauses} 个条款、{total} 个申报事项")

    def _selected(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            self._show((current.data(KIND_ROLE), current.data(ID_ROLE)))

    def _link(self, url: QUrl) -> None:
        kind, _, ident = url.toString().partition(":")
        if kind == "source":
            self._highlight(ident)
            self.show_source()
        elif (kind, ident) in self._nodes:
            self._select((kind, ident))

    # --- detail -------------------------------------------------------------

    def _show(self, key: tuple[str, str]) -> None:
        if key == self._current:
            return
        self._current = key
        kind, ident = key
        if kind == "measure":
            self.detail.setHtml(self._measure_html(ident))
            self._highlight(None)
            return
        clause = self.policy.clauses[ident] if kind == "clause" else self.policy.items[ident].clause
        item = self.policy.items[ident] if kind == "item" else None
        self.detail.setHtml(self._clause_html(clause, item))
        self._highlight(clause.id, item.sentence if item else None)
        self.clause_shown.emit(clause.id)

    def _show_welcome(self) -> None:
        policy = self.policy
        measures = "".join(f"<li>《{html.escape(title)}》</li>" for title in policy.measure_titles.values())
        self.detail.setHtml(
            f"<h2>{html.escape(policy.title)}</h2>"
            f"<p>{html.escape(policy.document_number)}　{policy.issued_on.year}年{policy.issued_on.month}月{policy.issued_on.day}日印发</p><ul>{measures}</ul>"
            "<p>在左侧选择条款或申报事项，查看条文原文、责任单位、奖补规则及所需材料；"
            "切换到“原文”可阅读整份文件，所选条款会以黄色标出。</p>"
        )

    def _measure_html(self, measure: str) -> str:
        items = [item for item in self.policy.items.values() if item.measure == measure]
        rows = "".join(
            f"<tr><td><a href='item:{item.id}'>{html.escape(item.name)}</a></td>"
            f"<td>{html.escape(item.ref)}</td><td>{html.escape(rule_summary(item, self.policy))}</td></tr>"
            for item in items)
        return (f"<h2>{html.escape(self.policy.measure_titles[measure])}</h2>"
                f"<p>{len(items)} 个申报事项</p>"
                "<table cellpadding='4' cellspacing='0' border='1' style='border-collapse:collapse'>"
                f"<tr><th>申报事项</th><th>条款</th><th>奖补标准</th></tr>{rows}</table>")

    def _clause_html(self, clause: Clause, selected: AwardItem | None) -> str:
        title = self.policy.measure_titles[clause.measure]
        text = html.escape(clause.text)
        if selected is not None and selected.sentence:
            sentence = html.escape(selected.sentence)
            text = text.replace(sentence, f"<span style='background:{HIGHLIGHT}'>{sentence}</span>", 1)
        units = "、".join(clause.units) if clause.units else "（原文未列责任单位）"
        parts = [
            f"<h2>{html.escape(clause.ref)}　{html.escape(clause.heading)}</h2>",
            f"<p style='color:#555'>《{html.escape(title)}》　"
            f"<a href='source:{clause.id}'>在原文中查看</a></p>",
            f"<p style='margin-left:12px; line-height:150%'>{text}</p>",
            f"<p><b>责任单位：</b>{html.escape(units)}</p>",
        ]
        items = [item for item in self.policy.items.values() if item.clause is clause]
        if selected is not None:
            items = [selected] + [item for item in items if item is not selected]
        if items:
            parts.append(f"<h3>本条款的申报事项（{len(items)} 个）</h3>")
            parts += [self._item_html(item, open_=item is selected or selected is None) for item in items]
        return "".join(parts)

    def _item_html(self, item: AwardItem, open_: bool) -> str:
        name = html.escape(item.name)
        head = f"<h4 style='color:{ITEM_COLOUR}'>{name}</h4>" if open_ else \
            f"<p><a href='item:{item.id}'>{name}</a>　{html.escape(rule_summary(item, self.policy))}</p>"
        if not open_:
            return head
        facts = [("规则类型", KIND_LABELS[item.kind]), ("奖补标准", rule_summary(item, self.policy))]
        if item.level:
            facts.append(("级别", item.level))
        if TIMING_LABELS.get(item.timing):
            facts.append(("时限要求", TIMING_LABELS[item.timing]))
        if item.aliases:
            facts.append(("常用别称", "、".join(item.aliases)))
        rows = "".join(f"<tr><td style='color:#555' nowrap>{label}</td><td>{html.escape(value)}</td></tr>"
                       for label, value in facts)
        if item.counterparts:
            links = "、".join(f"<a href='item:{other}'>{html.escape(self.policy.items[other].name)}</a>"
                              for other in item.counterparts)
            rows += f"<tr><td style='color:#555' nowrap>同一荣誉</td><td>{links}（国家级与省级是否兼得，政策未规定）</td></tr>"
        numbers = "".join(
            f"<li>{html.escape(NUMBER_LABELS.get(number.name, number.name))}：<b>{html.escape(as_written(number))}</b>"
            f"　—— “{html.escape(number.quote)}”（{html.escape(number.clause.ref)}）</li>"
            for number in item.numbers.values())
        conditions = "".join(f"<li>{html.escape(text)}</li>" for text in item.conditions)
        evidence = "".join(f"<li>{html.escape(text)}</li>" for text in item.evidence)
        parts = [head, f"<table cellpadding='3'>{rows}</table>",
                 f"<p><b>设定金额的原文：</b>“{html.escape(item.sentence)}”</p>"]
        if numbers:
            parts.append(f"<p><b>数值及出处：</b></p><ul>{numbers}</ul>")
        parts.append(f"<p><b>申报条件：</b></p><ul>{conditions}</ul>")
        parts.append(f"<p><b>申报材料清单：</b></p><ul>{evidence}</ul>")
        return "".join(parts)

    # --- 原文 ---------------------------------------------------------------

    def _highlight(self, clause_id: str | None, sentence: str | None = None) -> None:
        """Mark the clause (and the item's sentence, stronger) in 原文 and scroll to it."""
        selections: list[QTextEdit.ExtraSelection] = []
        span = self._spans.get(clause_id or "")
        if span is not None:
            selections.append(self._selection(*span, QColor(HIGHLIGHT).lighter(115)))
            if sentence:
                start = self.policy.source_text.find(sentence, span[0], span[1])
                if start >= 0:
                    selections.append(self._selection(start, start + len(sentence), QColor(HIGHLIGHT)))
        self.source.setExtraSelections(selections)
        self._source_start = span[0] if span is not None else None
        self._scroll_source()

    def _scroll_source(self) -> None:
        """Bring the marked clause near the top of 原文, a few lines of context above it."""
        if self._source_start is None or not self.source.isVisible():
            return
        cursor = QTextCursor(self.source.document())
        cursor.setPosition(self._source_start)
        self.source.setTextCursor(cursor)
        bar = self.source.verticalScrollBar()
        bar.setValue(bar.value() + self.source.cursorRect(cursor).top() - self.source.fontMetrics().height() * 3)

    def _selection(self, start: int, end: int, colour: QColor) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.source.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor  # type: ignore[attr-defined]  # a field PySide6's stubs omit
        text_format = QTextCharFormat()
        text_format.setBackground(colour)
        selection.format = text_format  # type: ignore[attr-defined]  # a field PySide6's stubs omit
        return selection

    def highlighted_text(self) -> str:
        """The text marked in 原文 (the clause), for tests and accessibility."""
        selections = self.source.extraSelections()
        return selections[0].cursor.selectedText() if selections else ""  # type: ignore[attr-defined]  # as above
