"""Reading intake files (CSV, XLSX, XLS, JSON), validating every cell, and importing them."""
