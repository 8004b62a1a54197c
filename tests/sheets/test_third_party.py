"""Third-party validators accept the sheets with the exported CA as their only trust root: pyHanko's CLI and poppler's
``pdfsig`` (through a scratch NSS database), for a B-LT export and for a sheet with a document timestamp (B-LTA)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from demo.workspace import DEMO_PASSPHRASE
from models.signing.ca import cert_to_pem
from models.signing.reviewers import ca_certificate
from models.workspace.workspace import Workspace
from sheets.batch import export_sheets
from sheets.timestamps import timestamp_sheets
from tests.sheets.support import Exported, copy_workspace, run_tool, tool


@pytest.fixture(scope="module")
def sheets_and_ca(exported: Exported, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(a B-LT sheet, the same sheet with a document timestamp as re-export hands it out afterwards, the
    exported CA certificate)."""
    base = tmp_path_factory.mktemp("third-party")
    folder = copy_workspace(exported.workspace, base / "workspace")
    plain = base / "b-lt.pdf"
    stamped = base / "b-lta.pdf"
    shutil.copyfile(exported.out / f"{exported.both_stages}.pdf", plain)
    shutil.copyfile(plain, stamped)
    with Workspace.open(folder, create=False) as ws:
        assert timestamp_sheets(ws, [stamped], "科长丙", DEMO_PASSPHRASE, DEMO_PASSPHRASE).ok
        again = export_sheets(ws, base / "again", [exported.both_stages], "审核员乙", DEMO_PASSPHRASE, jobs=1)
        ca = base / "聊城审核CA.crt"
        ca.write_text(cert_to_pem(ca_certificate(ws)), encoding="ascii")
    assert again.ok and Path(again.written[0].path).read_bytes() == stamped.read_bytes()
    return plain, Path(again.written[0].path), ca


def _pyhanko(*args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("pyhanko.cli") is None:
        pytest.skip("pyhanko-cli (dev dependency) is not installed")
    return subprocess.run([sys.executable, "-m", "pyhanko", *args], capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("which", [0, 1], ids=["B-LT", "B-LTA"])
def test_pyhanko_ades_validation_finds_the_sheet_trusted_with_only_allowed_updates(
        sheets_and_ca: tuple[Path, Path, Path], which: int) -> None:
    path, ca = sheets_and_ca[which], sheets_and_ca[2]
    summary = _pyhanko("sign", "adesverify", "--trust", str(ca), "--trust-replace", "--executive-summary", str(path))
    assert summary.returncode == 0 and summary.stdout.strip().endswith(":VALID"), summary.stdout + summary.stderr
    result = _pyhanko("sign", "adesverify", "--trust", str(ca), "--trust-replace", str(path))
    assert ":INTACT:TRUSTED,EXTENDED_WITH_LTA_UPDATES,ACCEPTABLE_MODIFICATIONS" in result.stdout, result.stdout


def test_pyhanko_validate_accepts_the_sheet(sheets_and_ca: tuple[Path, Path, Path]) -> None:
    # Its plain mode reads no DSS and would fetch the CRL online; offline it can only soft-fail that check.
    plain, stamped, ca = sheets_and_ca
    for path in (plain, stamped):
        result = _pyhanko("sign", "validate", "--trust", str(ca), "--trust-replace", "--soft-revocation-check",
                          "--executive-summary", str(path))
        assert result.returncode == 0 and "ReviewDeskSheetSignature:" in result.stdout and ":VALID" in result.stdout, \
            result.stdout + result.stderr


def test_pdfsig_trusts_the_signature_under_the_exported_ca(sheets_and_ca: tuple[Path, Path, Path],
                                                         tmp_path: Path) -> None:
    certutil = tool("certutil")
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True, timeout=60)
    subprocess.run([certutil, "-d", f"sql:{nss}", "-A", "-t", "CT,C,C", "-n", "聊城审核CA", "-i",
                    str(sheets_and_ca[2])], check=True, timeout=60)
    for path in sheets_and_ca[:2]:
        output = run_tool("pdfsig", "-nssdir", f"sql:{nss}", str(path))
        first = output.split("Signature #2")[0]
        assert "Signature Validation: Signature is Valid." in first, output
        assert "Certificate Validation: Certificate is Trusted." in first, output
