"""政策计算器: for one enterprise, what it received, what it applied for, and what else it may look at."""

from __future__ import annotations

from collections.abc import Sequence

from models.review.terms import FINAL_STAGES
from models.review.calculator import Candidate, Overview, enterprise_overview, find_enterprise, known_enterprises
from models.workspace.workspace import Workspace
from policy.assessment import STATUS_LABELS
from policy.catalog import Policy, load_policy
from policy.versions import current_version

from gui.money import wan_text
from gui.qt import (
    Qt, QAbstractItemView, QCompleter, QDialog, QDialogButtonBox, QFont, QGroupBox, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QPalette, QPushButton, QSplitter, QStringListModel, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget, Signal,
)


ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


def _table(headers: Sequence[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, list[str]]], right: Sequence[int] = ()) -> None:
    """``rows`` are (item id, cells); the item id lets a double-click open the item's clause."""
    table.setRowCount(len(rows))
    for row, (item_id, cells) in enumerate(rows):
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            cell.setData(ITEM_ROLE, item_id)
            cell.setToolTip(text)
            if column in right:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, cell)
    table.resizeRowsToContents()


FINAL_WORDS = "或".join(FINAL_STAGES)  # 复核或负责人


class CalculatorDialog(QDialog):
    """Look an enterprise up by 统一社会信用代码 or name; double-click a row to read its clause."""

    item_requested = Signal(str)

    def __init__(self, parent: QWidget | None, workspace: Workspace, policy: Policy | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("政策计算器 — 企业可申报事项")
        self.workspace = workspace
        self.policy = policy or load_policy(current_version().id)
        self.overview: Overview | None = None
        self._browser: QDialog | None = None

        self.query = QLineEdit(self)
        self.query.setPlaceholderText("输入统一社会信用代码或企业名称（可输入部分名称）")
        self.query.setClearButtonEnabled(True)
        self.lookup_button = QPushButton("查询", self)
        self.lookup_button.setDefault(True)
        labels = [enterprise.label() for enterprise in known_enterprises(workspace.db)]
        self.completer = QCompleter(QStringListModel(labels, self), self)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setMaxVisibleItems(12)
        self.query.setCompleter(self.completer)

        self.title = QLabel(self)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.3)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.room = QLabel(self)
        self.room.setWordWrap(True)
        self.room.setVisible(False)

        self.received = _table(("申报事项", "条款", "核定金额", "申报编号"), 0)
        self.applied = _table(("申报事项", "条款", "审核环节", "评估结果", "核定上限", "申报编号"), 0)
        self.candidates = _table(("申报事项", "条款", "奖补标准", "最高金额", "时限", "提示"), 5)
        header = self.candidates.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, self.fontMetrics().horizontalAdvance("字") * 18)
        header.sectionResized.connect(lambda *_: self.candidates.resizeRowsToContents())
        self.received_box = self._box(self.received)
        self.applied_box = self._box(self.applied)
        self.candidates_box = self._box(self.candidates)
        lower = QSplitter(Qt.Orientation.Horizontal, self)
        lower.addWidget(self.received_box)
        lower.addWidget(self.applied_box)
        lower.setSizes([450, 550])
        lower.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.candidates_box)
        splitter.addWidget(lower)
        splitter.setSizes([600, 300])
        splitter.setChildrenCollapsible(False)

        search = QHBoxLayout()
        search.addWidget(QLabel("企业：", self))
        search.addWidget(self.query, 1)
        search.addWidget(self.lookup_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        hint = QLabel("双击任一行可查看该事项的条款原文、申报条件和材料清单。", self)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        if workspace.is_demo:
            demo = QLabel("【演示数据】本工作区为演示数据，非真实申报", self)
            demo.setStyleSheet("color: #C00000; font-weight: bold")
            layout.addWidget(demo)
        layout.addLayout(search)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.room)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        self.lookup_button.clicked.connect(lambda: self.lookup(self.query.text()))
        self.query.returnPressed.connect(lambda: self.lookup(self.query.text()))
        self.completer.activated.connect(self.lookup)
        for table in (self.received, self.applied, self.candidates):
            table.cellDoubleClicked.connect(lambda row, column, table=table: self._open(table, row))
        self._show(None, "")
        self._fit_to_screen()

    def _fit_to_screen(self) -> None:
        char, line = self.fontMetrics().horizontalAdvance("字"), self.fontMetrics().height()
        width, height = char * 100, line * 44
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            width, height = min(width, int(screen.width() * 0.92)), min(height, int(screen.height() * 0.9))
        self.resize(width, height)

    def _box(self, table: QTableWidget) -> QGroupBox:
        box = QGroupBox(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(table)
        return box

    # --- public -------------------------------------------------------------

    def lookup(self, text: str) -> bool:
        """Show the enterprise ``text`` names (USCC, completer label or name); False if none is found."""
        enterprise = find_enterprise(self.workspace.db, text)
        if enterprise is None:
            if self.query.text() != text:
                self.query.setText(text)
            self._show(None, text)
            return False
        self.query.setText(enterprise.label())
        self._show(enterprise_overview(self.workspace.db, enterprise.uscc, self.policy), text)
        return True

    def open_for(self, uscc: str) -> None:
        """Pre-fill and look up, e.g. from the review view's current application."""
        self.lookup(uscc)

    # --- showing ------------------------------------------------------------

    def _show(self, overview: Overview | None, asked: str) -> None:
        self.overview = overview
        enterprise = overview.enterprise if overview else None
        if enterprise is None:
            self.title.setText("请输入要查询的企业" if not asked.strip() else "工作区中没有找到该企业")
            self.facts.setText("按统一社会信用代码或企业名称查找在本工作区有申报记录的企业；"
                               "将列出其已获奖励、已申报事项，以及按其所属产业还可关注的申报事项。"
                               if not asked.strip() else
                               f"“{asked.strip()}”不是本工作区中任何企业的统一社会信用代码或名称。"
                               "请从下拉提示中选择，或核对代码是否为18位。")
            for table in (self.received, self.applied, self.candidates):
                table.setRowCount(0)
            self._titles(0, 0, 0, "")
            self.room.setVisible(False)
            return
        assert overview is not None
        measures = "、".join(f"《{self.policy.measure_titles[m]}》" for m in enterprise.industries
                            if m in self.policy.measure_titles)
        self.title.setText(enterprise.name)
        self.facts.setText(f"统一社会信用代码 {enterprise.uscc}　·　{enterprise.county or '县区未填写'}　·　"
                           f"产业：{enterprise.industry}（适用{measures}）")
        _fill(self.received, [
            (award.item.id, [award.item.name, award.item.ref, wan_text(award.approved_yuan), award.application_id])
            for award in overview.received], right=(2,))
        _fill(self.applied, [
            (entry.item.id, [entry.item.name, entry.item.ref, entry.row.stage,
                             STATUS_LABELS.get(entry.row.status, entry.row.status),
                             "—" if entry.row.cap_yuan is None else wan_text(entry.row.cap_yuan),
                             entry.row.application_id])
            for entry in overview.applied], right=(4,))
        _fill(self.candidates, [(c.item.id, self._candidate_cells(c, overview)) for c in overview.candidates],
              right=(3,))
        self._mark_notes()
        self._titles(len(overview.received), len(overview.applied), len(overview.candidates),
                     wan_text(overview.received_yuan))
        rooms = [room.sentence() for room in overview.rooms]
        self.room.setText("技术改造单户额度 —— " + "；".join(rooms) if rooms else "")
        self.room.setVisible(bool(rooms))

    def _candidate_cells(self, candidate: Candidate, overview: Overview) -> list[str]:
        item = candidate.item
        if candidate.is_referral:
            most = "转办，不核定"
        elif item.kind == "per_unit":
            most = f"每种 {wan_text(candidate.most_yuan)}" if candidate.most_yuan is not None else "—"
        elif item.kind == "tech_transform":
            room = next((room for room in overview.rooms if room.item is item), None)
            most = f"剩余 {wan_text(room.remaining_yuan)}" if room else wan_text(candidate.most_yuan)  # type: ignore[arg-type]  # tech_transform has a maximum; None only for referrals
        else:
            most = wan_text(candidate.most_yuan) if candidate.most_yuan is not None else "—"
        return [item.name, item.ref, candidate.rule, most, candidate.timing, "\n".join(candidate.notes)]

    def _mark_notes(self) -> None:
        """Counterpart warnings stand out: they need the reviewer's judgement."""
        for row in range(self.candidates.rowCount()):
            cell = self.candidates.item(row, 5)
            if cell is not None and "请审核人确定" in cell.text():
                cell.setForeground(Qt.GlobalColor.darkRed)

    def _titles(self, received: int, applied: int, candidates: int, received_total: str) -> None:
        total = f"，合计 {received_total}" if received else ""
        self.received_box.setTitle(f"已获奖励（{FINAL_WORDS}通过）：{received} 项{total}")
        self.applied_box.setTitle(f"已申报、尚未获批：{applied} 项")
        self.candidates_box.setTitle(f"按所属产业还可关注的申报事项：{candidates} 项（未申报、未获得）")

    # --- clause -------------------------------------------------------------

    def _open(self, table: QTableWidget, row: int) -> None:
        cell = table.item(row, 0)
        if cell is None:
            return
        item_id = cell.data(ITEM_ROLE)
        self.item_requested.emit(item_id)
        self._browser_for(item_id)

    def _browser_for(self, item_id: str) -> None:
        from gui.policy_browser import PolicyBrowser

        if self._browser is None:
            self._browser = QDialog(self)
            self._browser.setWindowTitle("政策浏览")
            browser = PolicyBrowser(self._browser, self.policy)
            layout = QVBoxLayout(self._browser)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(browser)
            self._browser.resize(self.size())
            self._browser.browser = browser  # type: ignore[attr-defined]  # the tool window keeps its PolicyBrowser as an attribute
        self._browser.browser.show_item(item_id)  # type: ignore[attr-defined]  # set on the line above, on first use
        if self._browser.isVisible():
            self._browser.raise_()
        else:
            self._browser.show()
