"""Loads cases (database rows, evidence bytes re-hashed, images decoded) on a background thread.

The loader has its own read-only connection to the workspace, opened on its
single worker thread, so moving to the next application never waits on the
disk in the GUI thread: the next case is usually loaded before it is asked for.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from typing import TYPE_CHECKING

from models.workspace.evidence import INTACT, EvidenceAltered, EvidenceStore, Integrity
from models.workspace.workspace import Workspace

from gui.qt import QImage, QObject, QRunnable, QThreadPool, Signal

if TYPE_CHECKING:
    from models.review.casefile import Case, EvidenceFile

CACHE_SIZE = 6


@dataclass(frozen=True, slots=True)
class EvidenceContent:
    file: EvidenceFile
    integrity: Integrity
    data: bytes | None  # the verified bytes of a PDF or image; None when altered, missing or other
    image: QImage | None = None


@dataclass(frozen=True, slots=True)
class LoadedCase:
    case: Case
    evidence: tuple[EvidenceContent, ...]

    @property
    def application_id(self) -> str:
        return self.case.application.application_id


def load_with_evidence(ws: Workspace, application_id: str) -> LoadedCase:
    """The case and every evidence file, each re-hashed as it is read."""
    from models.review.casefile import load_case

    case = load_case(ws, application_id)
    store = EvidenceStore(ws.evidence_dir)
    contents = []
    for file in case.evidence:
        try:
            data = store.read_verified(file.sha256)
        except EvidenceAltered:
            contents.append(EvidenceContent(file, store.verify(file.sha256), None))
            continue
        except OSError as error:
            contents.append(EvidenceContent(file, Integrity(False, file.sha256, None, f"文件无法读取：{error}"), None))
            continue
        integrity = Integrity(True, file.sha256, file.sha256, INTACT)
        image = QImage.fromData(data) if file.kind == "image" else None
        contents.append(EvidenceContent(file, integrity, data if file.kind in ("pdf", "image") else None, image))
    return LoadedCase(case, tuple(contents))


class _LoadTask(QRunnable):
    def __init__(self, loader: CaseLoader, application_id: str) -> None:
        super().__init__()
        self._loader = loader
        self._application_id = application_id

    def run(self) -> None:
        loader = self._loader
        try:
            if loader.worker_ws is None:
                loader.worker_ws = Workspace.open(loader.folder, create=False, lock=False)
            result = load_with_evidence(loader.worker_ws, self._application_id)
        except Exception as error:  # noqa: BLE001 - delivered to the GUI thread
            loader.failed_in_background.emit(self._application_id, error)
        else:
            loader.loaded_in_background.emit(self._application_id, result)


class CaseLoader(QObject):
    """``request(id)`` → ``loaded(id, LoadedCase)`` or ``failed(id, error)``, on the GUI thread."""

    loaded = Signal(str, object)
    failed = Signal(str, object)
    loaded_in_background = Signal(str, object)
    failed_in_background = Signal(str, object)

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.worker_ws: Workspace | None = None  # used on the pool's one thread only
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # keep the thread, and with it the connection
        self._cache: OrderedDict[str, LoadedCase] = OrderedDict()
        self._pending: set[str] = set()
        self._closed = False
        self.loaded_in_background.connect(self._store)
        self.failed_in_background.connect(self._fail)

    def cached(self, application_id: str) -> LoadedCase | None:
        found = self._cache.get(application_id)
        if found is not None:
            self._cache.move_to_end(application_id)
        return found

    def request(self, application_id: str) -> None:
        """Start loading unless it is cached or already on its way."""
        if self._closed or application_id in self._cache or application_id in self._pending:
            return
        self._pending.add(application_id)
        self._pool.start(_LoadTask(self, application_id))

    def replace_case(self, application_id: str, case: Case) -> LoadedCase | None:
        """After a declaration or a decision: new rows, same (already verified) evidence."""
        found = self._cache.get(application_id)
        if found is None:
            return None
        updated = replace(found, case=case)
        self._cache[application_id] = updated
        return updated

    def forget(self, application_id: str) -> None:
        self._cache.pop(application_id, None)

    def clear(self) -> None:
        self._cache.clear()

    def close(self) -> None:
        """Wait for the worker and close its connection; call before the window goes."""
        self._closed = True
        self._pool.waitForDone()
        if self.worker_ws is not None:
            self.worker_ws.close()
            self.worker_ws = None

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _store(self, application_id: str, result: LoadedCase) -> None:
        self._pending.discard(application_id)
        if self._closed:
            return
        self._cache[application_id] = result
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self.loaded.emit(application_id, result)

    def _fail(self, application_id: str, error: BaseException) -> None:
        self._pending.discard(application_id)
        if not self._closed:
            self.failed.emit(application_id, error)
