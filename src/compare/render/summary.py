"""The outcome of one report and of a whole run, and the table printed at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..files import display_path


@dataclass
class Result:
    stem: str
    params_path: str
    status: str  # ok | cached | failed
    seconds: float = 0.0
    message: str = ""
    staging: str = ""
    failed_notebook: str = ""
    timings: dict = field(default_factory=dict)
    # facts of a failed execution, as papermill's PapermillExecutionError has them
    cell: int | None = None  # index of the failing cell in the source notebook
    ename: str = ""  # the exception's class name
    evalue: str = ""  # the exception's message


@dataclass
class Summary:
    results: dict[str, Result]
    out: Path
    seconds: float
    data: dict = field(default_factory=dict)  # the data version this run read

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results.values() if r.status == "failed"]

    def table(self) -> str:
        lines = [f"{'report':<20} {'status':<8} {'seconds':>8}  detail"]
        for r in self.results.values():
            detail = r.message if r.status == "failed" else ""
            if r.failed_notebook:
                detail += f" (failed notebook kept: {r.failed_notebook})"
            lines.append(f"{r.stem:<20} {r.status:<8} {r.seconds:>8.1f}  {detail}")
        ok = sum(r.status == "ok" for r in self.results.values())
        cached = sum(r.status == "cached" for r in self.results.values())
        lines.append(f"{len(self.results)} reports: {ok} rendered, {cached} unchanged (cached), "
                     f"{len(self.failed)} failed, in {self.seconds:.1f}s -> {display_path(self.out)}/index.html")
        return "\n".join(lines)
