"""The downloads in a render run: written into <out>/downloads from the run's data snapshot, published like
a report (a complete folder, then the link swapped), listed on the landing page; a warm run keeps them,
the same files written from nothing have the same bytes, and changed data rewrites them (never stale)."""

from __future__ import annotations

import io
import os

import openpyxl

from compare.data import load
from compare.render import batch, render
from compare.report import downloads

from ..conftest import fixture_params
from ..report.test_indicator_pages import ROW, bump
from .test_render_mechanics import data  # noqa: F401  (fixture: a copy of the shipped data)


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_downloads_are_written_linked_and_never_stale(tmp_path, data):  # noqa: F811
    assert (batch.DOWNLOADS, batch.DOWNLOADS_MANIFEST) == ("downloads", downloads.MANIFEST)
    p = fixture_params(tmp_path, "cities", "reads_cities.ipynb")
    out = tmp_path / "out"
    summary = render([p], data_dir=data, out=out, quiet=True, jobs=1, pages=False)
    assert not summary.failed, summary.table()
    link = out / "downloads"
    assert link.is_symlink() and (out / os.readlink(link)).parent == out / "_builds"
    stem = downloads.file_stem(load(data))
    cold = _files(link)
    assert {f"{stem}.xlsx", f"{stem}.dta", f"{stem}-values.csv", downloads.MANIFEST} <= set(cold)
    landing = (out / "index.html").read_text(encoding="utf-8")
    for name in (f"{stem}.xlsx", f"{stem}.dta", f"{stem}-values.csv"):
        assert f'href="downloads/{name}" download' in landing
    # warm: nothing written again; written from nothing: the same bytes (warm equals cold)
    target = os.readlink(link)
    render([p], data_dir=data, out=out, quiet=True, jobs=1, pages=False)
    assert os.readlink(link) == target
    downloads.write(load(data), tmp_path / "cold", key=downloads.read_manifest(link)["key"])
    assert _files(tmp_path / "cold") == cold
    # a changed value: the downloads are written again and hold it
    bump(data)
    summary = render([p], data_dir=data, out=out, quiet=True, jobs=1, pages=False)
    assert not summary.failed, summary.table()
    wb = openpyxl.load_workbook(io.BytesIO((link / f"{stem}.xlsx").read_bytes()))
    header, *rows = list(wb["values"].iter_rows(values_only=True))
    row = next(r for r in rows if r[header.index("id")] == ROW)
    assert row[header.index("value")] == 530
