"""The PySide6 desktop interface. Nothing under policy/ or models/ imports it."""
