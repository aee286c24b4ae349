"""Fuzz: randomly corrupted copies of the real data and params files never crash the tool.

Every corruption must end as exit code 0 or 1 with ``FILE[:LINE]: message`` lines (data),
or as a ParamsError (params); any other exception is a bug. Bounded and derandomized so CI
sees the same examples on every run.
"""

import csv
import io
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare import paths
from compare.cli import main
from compare.data import load
from compare.errors import ParamsError
from compare.render.params import ParamsFile, load_params

DATA_FILES = ["indicators.csv", "cities.csv", "sources.csv", "context.csv", "codebook.yaml"]
PARAMS_FILES = sorted(paths.PARAMS.glob("*.yaml"))
LINE_FORMAT = re.compile(r"^[^:]+(:\d+)?: ")
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Characters that break CSV quoting, YAML syntax or text decoding.
NASTY = ['"', ",", "\x00", "\ufeff", "\r", "\n", "\r\n", "'", ":", ": ", "[", "]", "{", "}", "- ", "&a", "*a",
         "!!python/object:os.system", "%YAML 1.1", "@", "`", "|", ">", "\t", "#", "\\", "\u2028", "\x1b",
         "é", "养老", "\ud7ff", "---", "...", "? ", "nan", "inf", "-1e309", "99999999999999999999"]


# ------------------------------------------------------------------ corruptions (bytes -> bytes)


def _span(data, n):
    i = data.draw(st.integers(0, max(n - 1, 0)))
    j = data.draw(st.integers(i, min(n, i + 64)))
    return i, j


def delete_bytes(b, data):
    i, j = _span(data, len(b))
    return b[:i] + b[j:]


def duplicate_bytes(b, data):
    i, j = _span(data, len(b))
    return b[:j] + b[i:j] + b[j:]


def swap_bytes(b, data):
    if len(b) < 2:
        return b
    i, j = sorted(data.draw(st.lists(st.integers(0, len(b) - 1), min_size=2, max_size=2)))
    a = bytearray(b)
    a[i], a[j] = a[j], a[i]
    return bytes(a)


def _lines(b):
    return b.split(b"\n")


def delete_line(b, data):
    ls = _lines(b)
    del ls[data.draw(st.integers(0, len(ls) - 1))]
    return b"\n".join(ls)


def duplicate_line(b, data):
    ls = _lines(b)
    i = data.draw(st.integers(0, len(ls) - 1))
    ls.insert(i, ls[i])
    return b"\n".join(ls)


def swap_lines(b, data):
    ls = _lines(b)
    i, j = data.draw(st.integers(0, len(ls) - 1)), data.draw(st.integers(0, len(ls) - 1))
    ls[i], ls[j] = ls[j], ls[i]
    return b"\n".join(ls)


def insert_nasty(b, data):
    i = data.draw(st.integers(0, len(b)))
    token = data.draw(st.sampled_from(NASTY)).encode("utf-8", "surrogatepass")
    return b[:i] + token + b[i:]


def insert_at_line_start(b, data):
    ls = _lines(b)
    i = data.draw(st.integers(0, len(ls) - 1))
    ls[i] = data.draw(st.sampled_from(["\t", " ", "  bad: [", "- ", "? ", "!!binary ", "<<: *x ", '"', "#"])).encode() + ls[i]
    return b"\n".join(ls)


def prepend_bom(b, data):
    return b"\xef\xbb\xbf" + b


def truncate(b, data):
    return b[: data.draw(st.integers(0, len(b)))]


def reencode(b, data):
    return b.decode("utf-8").encode(data.draw(st.sampled_from(["gb18030", "utf-16", "utf-16-le", "latin-1"])),
                                    "replace")


def crlf(b, data):
    return b.replace(b"\n", b"\r\n")


def _csv_rows(b):
    return list(csv.reader(io.StringIO(b.decode("utf-8"), newline="")))


def _csv_bytes(rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def random_cell(b, data):
    """Set one cell (header included) to random text; written back with correct quoting."""
    rows = _csv_rows(b)
    i = data.draw(st.integers(0, len(rows) - 1))
    j = data.draw(st.integers(0, len(rows[i]) - 1))
    rows[i][j] = data.draw(st.one_of(st.text(max_size=20), st.sampled_from(NASTY + ["", " ", "-0", "1e3", "2025.5"])))
    return _csv_bytes(rows)


def drop_column(b, data):
    rows = _csv_rows(b)
    j = data.draw(st.integers(0, len(rows[0]) - 1))
    header_only = data.draw(st.booleans())
    return _csv_bytes([r[:j] + r[j + 1:] if (k == 0 or not header_only) else r for k, r in enumerate(rows)])


def swap_columns(b, data):
    rows = _csv_rows(b)
    i, j = data.draw(st.integers(0, len(rows[0]) - 1)), data.draw(st.integers(0, len(rows[0]) - 1))
    for r in rows:
        if len(r) > max(i, j):
            r[i], r[j] = r[j], r[i]
    return _csv_bytes(rows)


BYTE_LEVEL = [delete_bytes, duplicate_bytes, swap_bytes, delete_line, duplicate_line, swap_lines, insert_nasty,
              insert_at_line_start, prepend_bom, truncate, crlf]
TEXT_LEVEL = [reencode]  # needs valid UTF-8 input
CSV_LEVEL = [random_cell, drop_column, swap_columns]  # needs parseable CSV input


def corrupt(raw: bytes, is_csv: bool, data) -> bytes:
    out = raw
    for _ in range(data.draw(st.integers(1, 3), label="corruptions")):
        choices = list(BYTE_LEVEL)
        try:
            out.decode("utf-8")
            choices += TEXT_LEVEL
            if is_csv and _csv_rows(out) and _csv_rows(out)[0]:
                choices += CSV_LEVEL
        except (UnicodeDecodeError, csv.Error):
            pass
        fn = data.draw(st.sampled_from(choices), label="corruption")
        out = fn(out, data)
    return out


# ------------------------------------------------------------------ data


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """Bytes of the shipped files, read once (the dataset may be edited while tests run)."""
    return {name: (paths.DATA / name).read_bytes() for name in DATA_FILES}


@pytest.mark.slow  # sixty validations of corrupted folders: the full set only
@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_corrupted_data_is_reported_not_crashed(pristine, tmp_path_factory, capsys, data):
    name = data.draw(st.sampled_from(DATA_FILES), label="file")
    broken = corrupt(pristine[name], name.endswith(".csv"), data)
    folder = tmp_path_factory.mktemp("fuzzdata")
    for other, raw in pristine.items():  # datapackage.json is not user-edited: the shipped one applies
        (folder / other).write_bytes(broken if other == name else raw)
    capsys.readouterr()
    code = main(["validate", "--data", str(folder)])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    assert "Traceback" not in err
    if code == 1:
        problems = err.splitlines()
        assert problems and re.fullmatch(r"\d+ problem\(s\) found", problems[-1]), err
        for line in problems[:-1]:
            assert LINE_FORMAT.match(line), f"not FILE[:LINE]: message: {line!r}"
            assert line.split(":", 1)[0].endswith(tuple(DATA_FILES)), line
            # a check pandera could not run, or a duplicate without its partner, is not a message for a user
            assert "Error(" not in line and "dtype(" not in line and "(also line )" not in line, line
    else:
        # the CLI's verdict agrees with the library's, and it counts what it loaded
        ds = load(folder)
        assert out.strip() == (f"{folder}: valid ({len(ds.indicators)} values, {ds.indicators['city'].nunique()} "
                               f"cities, {ds.indicators['indicator'].nunique()} indicators)")
    shutil.rmtree(folder)


# ------------------------------------------------------------------ params


@pytest.fixture(scope="module")
def ds():
    return load()


@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_corrupted_params_raise_params_error_only(ds, tmp_path_factory, data):
    src = data.draw(st.sampled_from(PARAMS_FILES), label="params")
    broken = corrupt(src.read_bytes(), False, data)
    path = tmp_path_factory.mktemp("fuzzparams") / src.name
    path.write_bytes(broken)
    try:
        pf = load_params(path, ds)
    except ParamsError as err:
        assert err.problems
        for p in err.problems:
            line = str(p)
            assert "\n" not in line and LINE_FORMAT.match(line), f"not FILE[:LINE]: message: {line!r}"
            assert line.startswith(str(path) if not line.startswith(path.name) else path.name), line
    else:
        assert isinstance(pf, ParamsFile)
