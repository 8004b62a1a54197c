"""The revisions, oldest first: ``r0010_baseline`` is the schema as legacy migration 0009 left it."""
