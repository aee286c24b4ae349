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


class UsageError(CompareError, ValueError):
    """A call names something that does not exist or is out of range (a language, a kind, a city, a size)."""


class UnknownKeyError(CompareError, KeyError):
    """A key (vocabulary entry, indicator, comparison set) that is not defined.

    ``str()`` is the message itself, not ``KeyError``'s quoted repr."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
