"""Reading the data folder's files strictly, with the line of each record as an editor shows it."""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, Problem
from ..files import display_path as _rel


def read_text(path: Path, *, allow_bom: bool = False) -> str:
    """Read a UTF-8 text file or raise DataError saying what the file is and how to fix it: not found,
    a folder, a byte-order mark (unless ``allow_bom``: then it is dropped), another encoding, or binary."""
    name = _rel(path)
    if not path.exists():
        raise DataError([Problem(name, None, None, "file not found")])
    if path.is_dir():
        raise DataError([Problem(name, None, None, "is a folder; expected a file")])
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError([Problem(name, None, None, f"cannot be read ({err.strerror})")]) from None
    if allow_bom and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError([Problem(name, 1, None,
            "file starts with a UTF-8 byte-order mark (Excel's 'CSV UTF-8' adds one); "
            "save it as UTF-8 without BOM, e.g. `sed -i '1s/^\\xEF\\xBB\\xBF//' " + name + "`")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        hint = "expected UTF-8"
        for enc in ("gb18030", "utf-16"):
            if enc == "utf-16" and b"\x00" not in raw:  # almost any even-length bytes decode as UTF-16
                continue
            try:
                decoded = raw.decode(enc)
            except UnicodeDecodeError:
                continue
            if not _looks_like_text(decoded):  # decodes, but as control characters: a binary file
                continue
            hint = (f"expected UTF-8, but the file decodes as {enc.upper()} (as Excel saves CSV on Chinese "
                    f"Windows); convert it: `iconv -f {enc.upper()} -t UTF-8 {name} > fixed{path.suffix}`")
            break
        else:
            if not _looks_like_text(raw.decode("utf-8", errors="replace")):
                hint = "expected UTF-8 text, but this is not a text file (binary?)"
        raise DataError([Problem(name, line, None,
            f"byte 0x{raw[err.start]:02x} is not valid UTF-8; {hint}")]) from None
    if "\x00" in text:
        raise DataError([Problem(name, text[:text.index("\x00")].count("\n") + 1, None,
            "byte 0x00 (NUL): not a text file (binary, or UTF-16 without a byte-order mark); expected UTF-8 text")])
    return text


def _looks_like_text(text: str) -> bool:
    """Most characters printable or whitespace (a text in some encoding, not bytes of a binary file)."""
    sample = text[:4000]
    ok = sum(1 for ch in sample if ch.isprintable() or ch in "\n\r\t")
    return bool(sample) and ok >= 0.9 * len(sample)


@dataclass
class Table:
    """A parsed CSV: string cells, the file line where each record starts, and its path."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    @property
    def name(self) -> str:
        return _rel(self.path)


def read_csv_rows(path: Path, *, allow_bom: bool = False) -> Table:
    """A CSV with whatever header it has (a file of an older version, a review sheet), parsed strictly;
    DataError naming the file and line when it is missing, binary, in another encoding or malformed."""
    path = Path(path)
    text = read_text(path, allow_bom=allow_bom)
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline=""), strict=True), [])]
    except csv.Error:
        header = []  # the parse below says what is wrong with it
    table, problems = _parse(path, text, header)
    if problems:
        raise DataError(problems)
    return table


def read_csv_table(path: Path, expected: list[str]) -> tuple[Table | None, list[Problem]]:
    """Parse a CSV strictly; return the table and the structural problems found."""
    return _parse(path, read_text(path), expected)


def _parse(path: Path, text: str, expected: list[str]) -> tuple[Table | None, list[Problem]]:
    name = _rel(path)
    if not text.strip():
        return None, [Problem(name, 1, None, "file is empty; expected a header row" + (": " + ",".join(expected)
                                                                                        if expected else ""))]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines, problems = [], [], []
    try:
        header = next(reader)
    except csv.Error as err:
        return None, [Problem(name, 1, None, f"header is not valid CSV ({err})")]
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            problems.append(Problem(name, start, None,
                f"malformed CSV ({err}); a quoted field opened here is not closed or a quote is stray — "
                "fields containing commas, quotes or line breaks must be wrapped in double quotes, "
                "with inner quotes doubled"))
            return None, problems
        if row or reader.line_num > start:
            if any(cell.strip() for cell in row):  # blank lines are ignored
                rows.append(row)
                lines.append(start)
        start = reader.line_num + 1
    header = [h.strip() for h in header]
    missing = [c for c in expected if c not in header]
    unknown = [c for c in header if c not in expected]
    for col in missing:
        close = difflib.get_close_matches(col, unknown, n=1)
        hint = f" (found {close[0]!r}: renamed?)" if close else ""
        problems.append(Problem(name, 1, col, f"required column is missing{hint}; expected columns: " + ",".join(expected)))
    for col in unknown:
        close = difflib.get_close_matches(col, missing, n=1)
        if not close:
            problems.append(Problem(name, 1, col, "unknown column; expected columns: " + ",".join(expected)))
    if len(set(header)) != len(header):
        dup = sorted({c for c in header if header.count(c) > 1})
        problems.append(Problem(name, 1, ",".join(dup), "column appears more than once"))
    if not problems and header != expected:
        problems.append(Problem(name, 1, None, "columns are out of order; expected: " + ",".join(expected)))
    if problems:
        return None, problems
    for row, line in zip(rows, lines):
        if len(row) != len(header):
            problems.append(Problem(name, line, None,
                f"row has {len(row)} fields, expected {len(header)} ({','.join(header)}); "
                "an unquoted comma or a missing field?"))
    if problems:
        return None, problems
    return Table(path, header, rows, lines), []
