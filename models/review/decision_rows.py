"""Moved to :mod:`models.workspace.decision_rows`, beside the other tables' record modules; this name still imports."""

from models.workspace.decision_rows import (CURRENT, COLUMNS, DecisionRow, all_decisions, current_decision,
                                            current_decisions, current_in, decision, decision_from_row,
                                            decisions_of, insert_decision, supersede)

__all__ = ["CURRENT", "COLUMNS", "DecisionRow", "all_decisions", "current_decision", "current_decisions",
           "current_in", "decision", "decision_from_row", "decisions_of", "insert_decision", "supersede"]
