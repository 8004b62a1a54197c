"""The review: the stage table, decisions, conflict declarations, the queue and the case a reviewer sees."""
