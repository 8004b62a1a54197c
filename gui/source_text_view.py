"""The whole measures document, opened at a clause (used until the policy browser is there)."""

from __future__ import annotations

from policy.catalog import load_policy

from gui.qt import QColor, QTextBrowser, QTextCharFormat, QTextCursor, QTextDocument, QVBoxLayout, QWidget


class SourceTextView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.text = QTextBrowser(self)
        self.text.setAccessibleName("政策原文")
        layout.addWidget(self.text)
        policy = load_policy()
        self.text.setPlainText(policy.source_text)
        self.text.document().setDocumentMargin(16)

    def show_clause(self, clause_id: str) -> None:
        clause = load_policy().clauses.get(clause_id)
        if clause is None:
            return
        first_line = clause.text.splitlines()[0][:30]
        cursor = self.text.document().find(first_line, 0, QTextDocument.FindFlag(0))
        if cursor.isNull():
            return
        cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        self.text.setExtraSelections([_highlight(cursor)])
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()


def _highlight(cursor: QTextCursor) -> QTextBrowser.ExtraSelection:
    selection = QTextBrowser.ExtraSelection()
    marked = QTextCharFormat()
    marked.setBackground(QColor("#ffe38a"))
    selection.format = marked
    selection.cursor = cursor
    return selection
