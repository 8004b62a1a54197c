"""Opening a workspace on the way to the main window loads neither pandas nor numpy (sqlite-utils would)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_main_window_module_and_an_open_workspace_import_no_pandas_or_numpy(demo_folder: Path,
                                                                                 tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "import gui.main_window\n"
        "from models.workspace.workspace import Workspace\n"
        f"ws = Workspace.open(Path({str(demo_folder)!r}))\n"
        "count = ws.db.execute('SELECT COUNT(*) FROM applications').fetchone()[0]\n"
        "rows = list(ws.db.query('SELECT application_id FROM applications LIMIT 1'))\n"
        "ws.close()\n"
        "print(json.dumps([count, len(rows), 'pandas' in sys.modules, 'numpy' in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                              "XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    count, read, pandas, numpy = json.loads(result.stdout.strip().splitlines()[-1])
    assert count > 0 and read == 1
    assert (pandas, numpy) == (False, False)
