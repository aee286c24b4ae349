"""Brief kits: one figure as PNG (300 dpi), SVG, offline HTML, the data behind it (CSV) and a caption.

``export_kit`` is what ``compare figure`` calls. Every file is written to a temporary name in
the output folder first and moved into place only once all of them exist, so a failure
leaves the files of an earlier run intact.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Iterable

import matplotlib.pyplot as plt
import pandas as pd

from ..analysis import baseline_target, comparison_sets, compare, coverage, indicators_for
from ..data import Dataset, load_package
from ..errors import CompareError
from ..files import Staged
from ..viz import draw_echarts as echarts_backend
from ..viz import draw_mpl as mpl_backend
from ..viz import embed, encode
from ..viz.encode import Fit, wrap
from ..vocab import LANGS, join, label, pick

#: Figure widths in inches: a journal column and a full page.
WIDTHS = {"column": 3.5, "page": 7.0}
#: Base font size (pt) per width, so bilingual labels fit a column.
FONT_SIZES = {"column": 6.5, "page": 9.0}
#: CLI names of the chart types; "timeline" is the CLI's word for baseline -> target.
CHARTS = {"bars": "bars", "dumbbell": "dumbbell", "timeline": "dumbbell", "matrix": "matrix"}
DPI = 300


def did_you_mean(name: str, ds: Dataset) -> str:
    """`` Did you mean 'x'?`` for a mistyped comparison set, theme or indicator key or title; "" if none is close."""
    book = ds.codebook["indicators"]
    names = {k: k for k in [*comparison_sets(ds), *ds.codebook.get("themes", {}), *book]}
    for k, m in book.items():
        names[m.get("title_en", k).lower()] = k
        names[m.get("title_zh", k)] = k
    close = difflib.get_close_matches(str(name).lower(), list(names), n=3, cutoff=0.6)
    hits = list(dict.fromkeys(names[c] for c in close))
    return f" Did you mean {' or '.join(repr(h) for h in hits)}?" if hits else ""


def _resolve(ds: Dataset, comparison: str | None, theme: str | None, indicator: str | None) -> tuple[list[str], dict, str]:
    """Indicator keys, display title and file-name stem of what was asked for.

    ``comparison``: a comparison set of the codebook or one indicator key; ``theme``: a theme.
    """
    book = ds.codebook["indicators"]
    if comparison is not None and theme is not None:
        raise CompareError("give a comparison set or a theme, not both")
    if comparison is not None:
        sets = comparison_sets(ds)
        if comparison in book:
            meta = book[comparison]
            return [comparison], {"zh": meta["title_zh"], "en": meta["title_en"]}, comparison
        if comparison in sets:
            meta = sets[comparison]
            return (indicators_for(ds, comparison=comparison),
                    {"zh": meta.get("title_zh", comparison), "en": meta.get("title_en", comparison)}, comparison)
        raise CompareError(f"unknown comparison {comparison!r}; expected a comparison set "
                           f"({', '.join(sets)}) or an indicator key (list them: compare indicators)."
                           + did_you_mean(comparison, ds))
    if theme is not None:
        themes = ds.codebook.get("themes", {})
        if theme not in themes:
            raise CompareError(f"unknown theme {theme!r}; expected one of: {', '.join(themes)}." + did_you_mean(theme, ds))
        meta = themes[theme]
        return indicators_for(ds, theme=theme), {"zh": meta["title_zh"], "en": meta["title_en"]}, f"theme-{theme}"
    if indicator is not None:
        if indicator not in book:
            raise CompareError(f"unknown indicator {indicator!r} (list them: compare indicators)." + did_you_mean(indicator, ds))
        meta = book[indicator]
        return [indicator], {"zh": meta["title_zh"], "en": meta["title_en"]}, indicator
    raise CompareError("give a comparison set, --theme or --indicator")


def _pick_indicator(ds: Dataset, keys: list[str], indicator: str | None, what: str) -> str:
    if indicator is None:
        stated = set(ds.indicators["indicator"])
        # the first indicator of the set that some city states; an all-empty chart helps nobody
        return next((k for k in keys if k in stated), keys[0])
    if indicator not in keys:
        raise CompareError(f"indicator {indicator!r} is not in {what!r}; expected one of: {', '.join(keys)}."
                           + did_you_mean(indicator, ds))
    return indicator


def source_line(ds: Dataset, source_ids: Iterable[str], lang: str = "en") -> str:
    """``Source: <citation>; compiled by eldercare-compare.`` citing each source used, in dataset order."""
    wanted = set(filter(None, source_ids))
    cites = [c for i, c in zip(ds.sources["id"], ds.sources["citation"]) if i in wanted]
    head = label("caption_source" if len(cites) <= 1 else "caption_sources", lang)
    return f"{head}: {'; '.join(cites) or label('caption_no_source', lang)}; {label('compiled_by', lang)}."


def dataset_version(ds: Dataset) -> tuple[str, str]:
    """The dataset's name and version from its datapackage.json."""
    pkg = load_package(ds.data_dir)
    return str(pkg.get("name", "")), str(pkg.get("version", ""))


def caption(ds: Dataset, spec, *, title: str, lang: str, source_ids: Iterable[str]) -> str:
    """The caption of a brief figure, in ``lang``: title, what the marks drawn mean (only those),
    who does not say, contradictions in words, reference lines, caveats, dataset version, sources."""
    lines = [title]
    # Chinese punctuation in Chinese; English punctuation when English is written (en or both)
    colon, stop = (label(k, "zh" if lang == "zh" else "en") for k in ("punct_colon", "punct_stop"))
    if spec.chart == "matrix":
        lines.append(f"{label('caption_matrix', lang)} {spec.note.replace(chr(10), ' ')}")
    else:
        keys = {"bars": "caption_bars", "dumbbell": "caption_dumbbell"}
        drawn = "; ".join(it.text.replace("\n", " ") for it in spec.legend if it.key not in ("not_stated", "reference"))
        lines.append(f"{label(keys[spec.chart], lang)} {drawn}".strip())
        for key, items in (("caption_not_stated", spec.not_stated), ("caption_conflicts", spec.conflicts),
                           ("caption_reference", spec.references)):
            if items:
                lines.append(f"{label(key, lang)}{colon}{join(items, lang)}{stop}".replace("\n", " "))
        lines += [f"† {c}" for c in spec.caveats]
    name, version = dataset_version(ds)
    lines.append(f"{label('caption_dataset', lang)} {name} v{version}{stop}")
    lines.append(source_line(ds, source_ids, lang))
    return "\n".join(lines) + "\n"


def export_kit(ds: Dataset, *, comparison: str | None = None, theme: str | None = None,
               cities: Iterable[str] | str | None = None, chart: str = "bars", indicator: str | None = None,
               lang: str = "both", size: str = "column", out,
               kind: str | None = None, year: int | None = None) -> list[Path]:
    """Write ``<name>.png`` (300 dpi), ``.svg``, ``.html``, ``.csv`` and ``.caption.txt`` into ``out``.

    ``comparison``: a comparison set or an indicator key; ``theme``: a theme of the codebook;
    or only ``indicator``. ``chart``: bars, dumbbell (alias timeline) or matrix. ``size``:
    column (3.5 in wide) or page (7 in). Returns the written paths; CompareError for an
    unknown comparison, theme, chart, indicator, city or size.
    ``kind`` and ``year`` narrow a bars chart to what an explorer shows (``compare(kind=..., year=...)``);
    by default it shows every baseline and target.
    """
    if chart not in CHARTS:
        raise CompareError(f"unknown chart {chart!r}; expected one of: {', '.join(CHARTS)}")
    if size not in WIDTHS:
        raise CompareError(f"unknown size {size!r}; expected column (3.5 in) or page (7 in)")
    if lang not in LANGS:
        raise CompareError(f"unknown lang {lang!r}; expected zh, en or both")
    shown_kind, kind = kind, CHARTS[chart]  # ``kind`` below is the chart type
    if isinstance(cities, str):
        cities = [c.strip() for c in cities.split(",") if c.strip()]
    cities = list(cities) if cities else None
    keys, set_title, stem = _resolve(ds, comparison, theme, indicator)
    ind = _pick_indicator(ds, keys, indicator, stem) if kind != "matrix" else None
    fit = Fit(width_in=WIDTHS[size], font_pt=FONT_SIZES[size])
    set_name = pick(set_title["zh"], set_title["en"], lang)

    if kind == "bars":
        table = compare(ds, indicators=[ind], cities=cities, kind=shown_kind or "all",
                        pick="year" if year else "latest", year=year or None)
        if not shown_kind:
            table = table[(table["kind"] != "projection")].reset_index(drop=True)
        title = f"{set_name}: {ds.indicator_title(ind, lang)}" if len(keys) > 1 else set_name
        spec = encode.bars(table, indicator=ind, lang=lang, dataset=ds, context=ds.context, fit=fit)
        data = table
    elif kind == "dumbbell":
        table = baseline_target(ds, indicators=[ind], cities=cities)
        title = ds.indicator_title(ind, lang)
        spec = encode.dumbbell(table, indicator=ind, lang=lang, dataset=ds, fit=fit)
        data = pd.concat([compare(ds, indicators=[ind], cities=cities, kind=k) for k in ("baseline", "target")],
                         ignore_index=True)
    else:
        table = coverage(ds, indicators=keys, cities=cities)
        title = set_name
        spec = encode.matrix(table, lang=lang, dataset=ds, fit=fit)
        data = compare(ds, indicators=keys, cities=cities, kind="all", pick="all", fill_missing=True)

    name = "-".join(filter(None, [stem, ind if ind and ind != stem else None, kind, lang, size]))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staged = Staged(out)
    try:
        with mpl_backend.style(), plt.rc_context({"font.size": FONT_SIZES[size]}):
            # the title wraps to the figure width, between words and never at a hyphen
            title_text = wrap(title, WIDTHS[size] * 72 * 0.95 / (FONT_SIZES[size] + 1))
            fig = plt.figure(figsize=encode.figure_size(spec, title_lines=encode.lines(title_text)),
                             layout="constrained")
            # a margin for the few points by which glyph metrics differ between PNG (300 dpi) and SVG
            fig.get_layout_engine().set(w_pad=6 / 72, h_pad=6 / 72)
            try:
                mpl_backend.draw(spec, fig.add_subplot())
                fig.suptitle(title_text,
                             fontsize=FONT_SIZES[size] + 1, x=0.02, ha="left", fontfamily=mpl_backend.FONT_FAMILY)
                fig.savefig(staged.path(f"{name}.png"), dpi=DPI, format="png", metadata={"Software": None})
                # the layout is settled by the first save; freezing it saves a second layout pass
                fig.set_layout_engine("none")
                # no creation date: the same data gives the same SVG
                fig.savefig(staged.path(f"{name}.svg"), format="svg", metadata={"Date": None})
            finally:
                plt.close(fig)
        ech = echarts_backend.draw(spec)
        staged.path(f"{name}.html").write_text(embed.page_html([ech], title=title), encoding="utf-8")
        data.to_csv(staged.path(f"{name}.csv"), index=False, encoding="utf-8")
        staged.path(f"{name}.caption.txt").write_text(
            caption(ds, spec, title=title, lang=lang, source_ids=data["source_id"] if "source_id" in data else []),
            encoding="utf-8")
    except BaseException:
        staged.discard()
        raise
    return staged.commit()


def indicator_list(ds: Dataset, query: str | None = None) -> pd.DataFrame:
    """Indicators of the codebook (key, Chinese and English title, theme, unit, comparison sets,
    cities that state it), those whose key or titles contain ``query`` (case-insensitive)."""
    book = ds.codebook["indicators"]
    sets = comparison_sets(ds)
    stated = ds.indicators.groupby("indicator", observed=True)["city"].agg(lambda c: ",".join(dict.fromkeys(map(str, c))))
    rows = [{"key": k, "title_zh": m.get("title_zh", ""), "title_en": m.get("title_en", ""), "theme": m.get("theme", ""),
             "unit": m.get("unit", ""), "sets": ",".join(n for n, v in sets.items() if k in v.get("indicators", [])),
             "cities": stated.get(k, "")} for k, m in book.items()]
    df = pd.DataFrame(rows)
    if query:
        q = query.lower()
        hit = df["key"].str.lower().str.contains(q, regex=False) | df["title_en"].str.lower().str.contains(q, regex=False) \
            | df["title_zh"].str.contains(query, regex=False)
        df = df[hit]
    return df.reset_index(drop=True)
