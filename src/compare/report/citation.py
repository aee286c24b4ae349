"""How to cite the dataset and one value of it.

The dataset's name, title, version, licence and authors come from ``datapackage.json`` (the one place
they are written; ``CITATION.cff`` at the root repeats them and a test keeps the two equal). A value is
cited as the dataset at its version plus the row id, and the source document the value comes from
(issuer, title, document number, date, URL) from ``sources.csv``. A derived value (``derived-...``,
``ctx-...``) is cited with its formula and the rows it is computed from.
"""

from __future__ import annotations

import re

import pandas as pd

from .. import paths
from ..analysis import derive
from ..data import Dataset, load_package
from ..errors import DataError, Problem, UnknownKeyError, UsageError
from ..files import display_path
from ..vocab import label

FORMATS = ("text", "bibtex")


def metadata(ds: Dataset) -> dict:
    """name, title, version, date released, licence, authors and the publisher of the dataset (read once
    per dataset: every value's citation states it)."""
    cached = ds.__dict__.get("_cite_metadata")
    if cached is None:
        cached = ds.__dict__["_cite_metadata"] = _metadata(ds)
    return dict(cached, authors=list(cached["authors"]))


def _metadata(ds: Dataset) -> dict:
    pkg = load_package(ds.data_dir)
    version = str(pkg.get("version", ""))
    released = next((c.get("date", "") for c in reversed(pkg.get("changes") or []) if c.get("version") == version), "")
    lic = (pkg.get("licenses") or [{}])[0]
    authors = [c.get("title", "") for c in pkg.get("contributors") or [] if c.get("role", "author") == "author"]
    return {"name": pkg.get("name", ""), "title": pkg.get("title", ""), "title_zh": pkg.get("title_zh", ""),
            "version": version, "released": released,
            "licence": lic.get("name", ""), "licence_url": lic.get("path", ""),
            "authors": [a for a in authors if a] or [pkg.get("name", "")], "homepage": pkg.get("homepage", "")}


def require_version(ds: Dataset) -> None:
    """DataError naming datapackage.json when the dataset has no version: a citation names the version."""
    if not metadata(ds)["version"]:
        own = ds.data_dir / paths.DATAPACKAGE_FILE
        raise DataError([Problem(display_path(own if own.exists() else paths.DATAPACKAGE), None, "version",
                                 "missing; a citation names the dataset's version: record one with "
                                 "`python -m compare release VERSION --note ...`")])


def _source_text(src: pd.Series, lang: str = "en") -> str:
    """``issuer《title》, document number, date, URL`` (the parts a source has); the English title in
    brackets in an English citation."""
    head = f"{src['issuer']}《{src['title_zh']}》" if src.get("issuer") else f"《{src['title_zh']}》"
    parts = [head]
    if src.get("title_en") and lang != "zh":
        parts[0] += f" [{src['title_en']}]"
    for col in ("doc_number", "issued", "url"):
        if isinstance(src.get(col), str) and src.get(col):
            parts.append(src[col])
    return ("，" if lang == "zh" else ", ").join(parts)


def cite_dataset(ds: Dataset, fmt: str = "text") -> str:
    """The citation of the dataset as a whole."""
    m = metadata(ds)
    year = (m["released"] or "")[:4]
    if fmt == "bibtex":
        return _bibtex(m["name"] + "_" + m["version"], m["authors"], {
            "title": m["title"], "year": year, "version": m["version"],
            "note": f"Dataset {m['name']}, version {m['version']}, released {m['released']}; licence {m['licence']}"})
    _check(fmt)
    return (f"{', '.join(m['authors'])} ({year}). {m['title']}, version {m['version']} [dataset, {m['name']}], "
            f"released {m['released']}. Licence {m['licence']}.")


#: LaTeX's special characters in text, and what stands for each in a BibTeX field
_LATEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#",
          "$": r"\$", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))


def latex_escape(text: str) -> str:
    """``text`` safe in a BibTeX field read by LaTeX: each of ``\\ { } _ % & # $ ~ ^`` escaped, in one pass."""
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], str(text))


def _bibtex(key: str, authors: list[str], fields: dict[str, str]) -> str:
    """One ``@misc`` entry; every field's text escaped for LaTeX (the key keeps ``[A-Za-z0-9_]`` only)."""
    lines = [f"  author = {{{' and '.join('{' + latex_escape(a) + '}' for a in authors)}}},"]
    lines += [f"  {k} = {{{latex_escape(v)}}}," for k, v in fields.items()]
    return "@misc{" + _key(key) + ",\n" + "\n".join(lines) + "\n}"


def _key(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown citation format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _by_id(ds: Dataset) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stated rows, derived rows and sources indexed by id, once per dataset: a page of many values cites
    each, and a scan of every row per citation made the indicator pages quadratic in the cities."""
    cached = ds.__dict__.get("_cite_index")
    if cached is None:
        d = derive(ds)
        cached = ds.__dict__["_cite_index"] = (ds.indicators.drop_duplicates("id").set_index("id", drop=False),
                                               d.drop_duplicates("id").set_index("id", drop=False),
                                               ds.sources.set_index("id"))
    return cached


def _row(ds: Dataset, row_id: str) -> pd.Series:
    stated, d, _ = _by_id(ds)
    if row_id in stated.index:
        return stated.loc[row_id]
    if row_id in d.index:
        return d.loc[row_id]
    import difflib

    close = difflib.get_close_matches(row_id, list(ds.indicators["id"]) + list(d["id"]), n=1)
    raise UnknownKeyError(f"{row_id!r} is not a row id of {ds.data_dir}/indicators.csv nor a derived value"
                          + (f" (did you mean {close[0]!r}?)" if close else ""))


def value_record(ds: Dataset, row_id: str, lang: str = "en") -> dict:
    """What a value's citation says: the dataset, the row, the value as written and its source."""
    r = _row(ds, row_id)
    src = _by_id(ds)[2].loc[r["source_id"]]
    return {"dataset": metadata(ds), "id": row_id, "city": str(r["city"]), "indicator": r["indicator"],
            "kind": r["kind"], "year": int(r["year"]), "comparator": r["comparator"], "value": r["value"],
            "unit": r["unit"], "quote": r["quote"], "quote_en": r.get("quote_en", ""), "section": r["section"],
            "source": _source_text(src, lang), "source_id": r["source_id"],
            "formula": r.get("formula", "") if isinstance(r.get("formula", ""), str) else "",
            "inputs": r.get("inputs", "") if isinstance(r.get("inputs", ""), str) else ""}


def cite_value(ds: Dataset, row_id: str, fmt: str = "text", lang: str = "en") -> str:
    """The citation of one value: dataset, version, row id, and the source document. ``lang="zh"``: the text
    form in Chinese (the dataset's Chinese title; a Chinese brief carries no English sentence)."""
    _check(fmt)
    rec = value_record(ds, row_id, "zh" if lang == "zh" and fmt == "text" else "en")
    m = rec["dataset"]
    year = (m["released"] or "")[:4]
    derived = f" Derived: {rec['formula']} from {rec['inputs'].replace(';', ', ')}." if rec["formula"] else ""
    if fmt == "bibtex":
        return _bibtex(f"{m['name']}_{m['version']}_{row_id}", m["authors"], {
            "title": f"{m['title']}, row {row_id}", "year": year, "version": m["version"],
            "note": f"Value {row_id} of dataset {m['name']} version {m['version']}.{derived} "
                    f"Source: {rec['source']}, section {rec['section']}"})
    if lang == "zh":
        derived = label("cite_derived_zh", "zh", formula=rec["formula"],
                        inputs=rec["inputs"].replace(";", "、")) if rec["formula"] else ""
        return label("cite_value_zh", "zh", authors="、".join(m["authors"]), year=year,
                     title=m["title_zh"] or m["title"], version=m["version"], name=m["name"], id=row_id,
                     derived=derived, source=rec["source"], section=rec["section"])
    return (f"{', '.join(m['authors'])} ({year}). {m['title']}, version {m['version']} [dataset, {m['name']}], "
            f"value {row_id}.{derived} Source: {rec['source']}, section “{rec['section']}”.")
