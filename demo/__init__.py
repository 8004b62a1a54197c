"""The demo workspace: generated applications, their evidence files, public demo keys (演示数据)."""
