"""The workspace: its folder and database, the audit log that proves it, anchors, backups, the evidence store."""
