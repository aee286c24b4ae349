"""Read and rewrite CSV files cell by cell, as the fault tests do."""

import csv
import io


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(path, row_index, column, value):
    """Set one cell of data row ``row_index`` (from 1); return that row's file line."""
    rows = rows_of(path)
    rows[row_index][rows[0].index(column)] = value
    write_rows(path, rows)
    return row_index + 1  # shipped rows hold no line breaks
