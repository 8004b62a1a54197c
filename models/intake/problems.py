"""Why an intake file was not imported: every problem at once, in Chinese."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.failures import BadInput


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid cell (or a missing column, reported on the header row 1)."""

    row: int
    column: str
    message: str

    def line(self) -> str:
        return f"第{self.row}行 {self.column}: {self.message}"


class ImportRejected(BadInput):
    """The file was not imported; ``problems`` lists every reason, in file order."""

    def __init__(self, file_name: str | Path, problems: list[Problem]) -> None:
        self.file_name = Path(file_name).name
        self.problems = list(problems)
        super().__init__(self.file_name, self.problems)

    def lines(self) -> list[str]:
        header = f"文件 {self.file_name} 未导入，共 {len(self.problems)} 处问题"
        return [header, *(problem.line() for problem in self.problems)]

    def __str__(self) -> str:
        return "\n".join(self.lines())


class UnreadableFile(ImportRejected):
    """The file is missing, of an unsupported kind or cannot be parsed at all."""

    def __init__(self, file_name: str | Path, reason: str) -> None:
        super().__init__(file_name, [])
        self.reason = reason

    def __reduce__(self) -> tuple[type[UnreadableFile], tuple[str, str]]:
        """Pickled with its reason (an import's worker sends it to the importer)."""
        return UnreadableFile, (self.file_name, self.reason)

    def lines(self) -> list[str]:
        return [f"文件 {self.file_name} 无法读取：{self.reason}"]
