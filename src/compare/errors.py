"""One exception tree. The CLI prints ``str(err)`` for any CompareError and exits 1.

Facts are kept as attributes so callers (and tests) need not parse messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class CompareError(Exception):
    """Base of every error a user can cause and fix."""


@dataclass(frozen=True)
class Problem:
    """One problem in one file: ``FILE:LINE: COLUMN: message``."""

    path: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        # one problem, one line: a line break or control character quoted from a file is shown escaped
        return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class DataError(CompareError):
    """The dataset cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SchemaError(DataError):
    """A single schema problem at a file position."""

    def __init__(self, path: str, line: int | None, column: str | None, message: str):
        self.path, self.line, self.column, self.message = path, line, column, message
        super().__init__([Problem(path, line, column, message)])


class ParamsError(CompareError):
    """A params file is unusable; ``problems`` holds ``FILE:LINE: KEY: message`` entries."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RenderError(CompareError):
    """One or more reports failed to render; ``failures`` maps stem -> message."""

    def __init__(self, message: str, failures: dict[str, str] | None = None):
        self.failures = dict(failures or {})
        super().__init__(message)


class LockError(CompareError):
    """Another render holds the output folder."""
