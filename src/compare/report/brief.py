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
from ..errors import CompareError, UsageError
from ..files import Staged
from ..viz import draw_echarts as echarts_backend
from ..viz import draw_mpl as mpl_backend
from ..viz import embed, encode
from ..viz.encode import LINE_EM, Fit, lines, text_em, wrap
from ..viz.words import english_only
from .citation import cite_value
from .downloads import spreadsheet_csv
from ..vocab import KIND_CHOICES, LANGS, SEP, join, label, pick, symbol

#: Figure widths in inches: a journal column (8 cm, printed as it is drawn) and a full page.
WIDTHS = {"column": 8 / 2.54, "page": 7.0}
#: Base font size (pt) per width: tick labels and city names; value labels and the legend are set
#: "small" (0.833 of it), so the smallest of them is 7.1 pt at a column's 8 cm.
FONT_SIZES = {"column": 8.5, "page": 9.0}
#: Size (pt) of the numbered notes and the source line under the plot.
NOTE_PT = {"column": 7.0, "page": 7.5}
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


def _pick_indicator(ds: Dataset, keys: list[str], indicator: str | None, what: str, kind: str = "all") -> str:
    if indicator is None:
        rows = ds.indicators if kind == "all" else ds.indicators[ds.indicators["kind"] == kind]
        stated = set(rows["indicator"]) or set(ds.indicators["indicator"])
        # the first indicator of the set that some city states; an all-empty chart helps nobody
        return next((k for k in keys if k in stated), keys[0])
    if indicator not in keys:
        raise CompareError(f"indicator {indicator!r} is not in {what!r}; expected one of: {', '.join(keys)}."
                           + did_you_mean(indicator, ds))
    return indicator


def _period(src) -> str:
    start, end = (str(src.get(k, "") or "").strip() for k in ("period_start", "period_end"))
    return f"{start}–{end}" if start and end and start != end else (end or start)


def short_title(ds: Dataset, source_id: str, lang: str = "en") -> str:
    """A document in a few words: ``Wuxi plan (2021–2025)``, ``无锡规划(2021—2025)``; the id if unknown."""
    hit = ds.sources[ds.sources["id"] == source_id]
    if hit.empty:
        return str(source_id)
    src = hit.iloc[0]
    period = _period(src)

    def one(lg: str) -> str:
        return label("plan_short", lg, city=ds.city_name(str(src["city"]), lg),
                     period=period.replace("–", "—") if lg == "zh" else period)

    return one(lang) if lang != "both" else f"{one('zh')}{SEP}{one('en')}"


def _cited(ds: Dataset, source_ids: Iterable[str]) -> list:
    wanted = set(filter(None, map(str, source_ids)))
    return [r for _, r in ds.sources.iterrows() if r["id"] in wanted]


def source_line(ds: Dataset, source_ids: Iterable[str], lang: str = "en") -> str:
    """``Source: <citation>; compiled by eldercare-compare.`` citing each source used, in dataset order:
    the Chinese citation in zh, the English title (and year) in en, both in a bilingual caption."""
    def cite(r) -> str:
        en = f"{r['title_en']}, {r['issued'] or _period(r)}" if str(r.get("title_en", "") or "") else r["citation"]
        return {"zh": r["citation"], "en": en}.get(lang, f"{r['citation']}{SEP}({en})")

    cites = [cite(r) for r in _cited(ds, source_ids)]
    head = label("caption_source" if len(cites) <= 1 else "caption_sources", lang)
    colon, stop = (label(k, "zh" if lang == "zh" else "en") for k in ("punct_colon", "punct_stop"))
    sep = label("punct_sep", "zh" if lang == "zh" else "en")
    return f"{head}{colon}{sep.join(cites) or label('caption_no_source', lang)}{sep}{label('compiled_by', lang)}{stop}"


def figure_source_line(ds: Dataset, source_ids: Iterable[str], lang: str, *, derived: bool = False) -> str:
    """The source line drawn inside a figure: the documents as short titles, the dataset's name and
    version, and that derived values are among the marks when they are."""
    ids = [r["id"] for r in _cited(ds, source_ids)]
    colon, stop = (label(k, "zh" if lang == "zh" else "en") for k in ("punct_colon", "punct_stop"))
    sep = label("punct_sep", "zh" if lang == "zh" else "en")
    docs = sep.join(short_title(ds, i, lang) for i in ids) or label("caption_no_source", lang)
    name, version = dataset_version(ds)
    data = f"{label('figure_data', lang)}{colon}{name} v{version}"
    if derived:
        data += f"{sep}{label('figure_derived', lang)}"
    gap = "" if lang == "zh" else " "
    return f"{label('figure_source', lang)}{colon}{docs}{stop}{gap}{data}{stop}"


def dataset_version(ds: Dataset) -> tuple[str, str]:
    """The dataset's name and version from its datapackage.json."""
    pkg = load_package(ds.data_dir)
    return str(pkg.get("name", "")), str(pkg.get("version", ""))


def _values(data: pd.DataFrame, lang: str) -> list[str]:
    """One caption line per value drawn: the value, the verbatim quote (and its English gloss in en and
    both), or for a derived value its formula and inputs."""
    out = []
    for _, r in data.iterrows():
        if r.get("status") == "not_stated" or pd.isna(r.get("value")):
            continue
        name = pick(str(r.get("city_zh", "") or r["city"]), str(r.get("city_en", "") or r["city"]), lang)
        head = f"{name} {encode.value_text(r, lang)}"
        quote, gloss = str(r.get("quote", "") or ""), str(r.get("quote_en", "") or "")
        if str(r.get("formula", "") or ""):
            out.append(f"{head}: {r['formula']} ({r.get('inputs', '')})")
        elif quote:
            out.append(f"{head}: “{quote}”" + (f" (“{gloss}”)" if gloss and lang != "zh" else ""))
    return out


def drawn_ids(data: pd.DataFrame) -> list[str]:
    """Row ids of the values drawn (derived ids too), once each, in the table's order."""
    if "id" not in data:
        return []
    stated = data[data["value"].notna() & (data.get("status", "") != "not_stated")]
    return list(dict.fromkeys(i for i in stated["id"] if isinstance(i, str) and i))


def caption(ds: Dataset, spec, *, title: str, lang: str, source_ids: Iterable[str],
            data: pd.DataFrame | None = None) -> str:
    """The caption of a brief figure, in ``lang``: title, what the marks drawn mean (only those),
    who does not say, contradictions in words, reference lines, caveats (numbered as in the figure),
    each value with its quote, the citation of each value drawn ("Cite", 引用 in zh), dataset version,
    sources."""
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
        if getattr(spec, "notes", None) is not None:
            lines += [f"{symbol('legend_note')}{i} {c}" for i, c in enumerate(spec.caveats, 1)]
        else:
            lines += [f"† {c}" for c in spec.caveats]
    values = _values(data, lang) if data is not None else []
    if values:
        lines.append(f"{label('caption_values', lang)}{colon}".rstrip())
        lines += [f"- {v}" for v in values]
    cites = [cite_value(ds, i, lang="zh" if lang == "zh" else "en") for i in drawn_ids(data)] if data is not None else []
    if cites:  # a Chinese caption cites in Chinese; English and bilingual ones in English
        lines.append(f"{label('caption_cite', lang)}{colon}".rstrip())
        lines += [f"- {c}" for c in cites]
    name, version = dataset_version(ds)
    lines.append(f"{label('caption_dataset', lang)} {name} v{version}{stop}")
    lines.append(source_line(ds, source_ids, lang))
    return "\n".join(lines) + "\n"


def select(table: pd.DataFrame, *, derived: bool = True, conflicts: bool = True) -> pd.DataFrame:
    """``table`` without derived rows (``derived=False``) or without the values a document contradicts
    (``conflicts=False``); by default both are kept, and the figure marks them."""
    keep = pd.Series(True, index=table.index)
    if not derived:
        keep &= ~table["status"].isin(["derived", "derived_context"])
    if not conflicts:
        keep &= ~table["conflict"].fillna(False).astype(bool)
    out = table[keep]
    # a city left without a value is still named: not stated, never dropped
    gone = [c for c in dict.fromkeys(table["city"]) if c not in set(out["city"])]
    if gone:
        blank = table[table["city"].isin(gone)].drop_duplicates("city").copy()
        for col in ("value", "value_high"):
            blank[col] = float("nan")
        for col in ("comparator", "id", "source_id", "section", "quote", "quote_en", "note", "note_zh", "caveat",
                    "caveat_zh", "formula", "inputs", "assumption"):
            if col in blank:
                blank[col] = ""
        blank["status"], blank["conflict"] = "not_stated", False
        out = pd.concat([out, blank])
        order = {c: i for i, c in enumerate(dict.fromkeys(table["city"]))}
        out = out.sort_values("city", key=lambda s: s.map(order), kind="stable")
    return out.reset_index(drop=True)


def _foot(spec, ds: Dataset, source_ids, lang: str, width_em: float, derived: bool) -> str:
    """The numbered notes (one line each) and the source line drawn below the plot."""
    # each note whole, wrapped (a note cut with … lost what the reader needs; the caption repeats it)
    notes = [encode.wrap_cjk(" ".join(f"{symbol('legend_note')}{n}".split()), width_em)
             for n in (getattr(spec, "notes", None) or [])]
    source = wrap(figure_source_line(ds, source_ids, lang, derived=derived), width_em).split("\n")
    for i in range(len(source) - 1, 0, -1):  # a line never starts with a closing stop or colon
        while source[i] and source[i][0] in label("line_no_start", "both"):
            source[i - 1], source[i] = source[i - 1] + source[i][0], source[i][1:]
        if not source[i]:
            source.pop(i)
    return "\n".join(notes + source)


def _english_spec(spec) -> None:
    """Every text an English figure draws from ``spec`` in English only (:func:`~compare.viz.words.english_only`):
    titles, categories, labels, axis labels, legend entries and notes."""
    spec.title = english_only(spec.title)
    if getattr(spec, "notes", None):
        spec.notes = [english_only(n) for n in spec.notes]
    for it in getattr(spec, "legend", []):
        it.text = english_only(it.text)
    if spec.chart == "matrix":
        spec.rows = [english_only(r) for r in spec.rows]
        spec.cols = [english_only(c) for c in spec.cols]
        spec.note = english_only(spec.note)
        return
    for panel in spec.panels:
        panel.categories = [english_only(c) for c in panel.categories]
        panel.subtitle = english_only(panel.subtitle)
        panel.axis.label = english_only(panel.axis.label)
        for t in panel.texts:
            t.text = english_only(t.text)
        for r in panel.refs:
            r.text = english_only(r.text)


def _twin(ech, spec, foot: str) -> None:
    """The interactive chart as the static one: the same notes and source line under the plot (its tick
    labels are written as the PNG writes them by the backend)."""
    opts = ech.options
    if getattr(spec, "col_rotation", 0):  # city names upright over the columns, as in the PNG
        for axis in opts.get("xAxis") or []:
            axis["axisLabel"] = {**axis.get("axisLabel", {}), "rotate": spec.col_rotation}
    # the tick labels are already the static figure's (draw_echarts.tick_formatter: fmt_number per tick)
    foot_px = 16 * lines(foot) + 12
    titles = opts.get("title") or []
    titles = titles if isinstance(titles, list) else [titles]
    for t in titles:
        if "bottom" in t:
            t["bottom"] = int(t["bottom"]) + foot_px
    titles.append({"text": "", "subtext": foot, "left": "left", "bottom": 4,
                   "subtextStyle": {"color": mpl_backend.PALETTE["ink"], "fontSize": 12, "lineHeight": 16}})
    opts["title"] = titles
    height = int(str(ech.height).rstrip("px") or 0)
    ech.height = f"{height + foot_px}px"


def _check_stated(ds: Dataset, table: pd.DataFrame, ind: str, kind: str, year: int | None, cities) -> None:
    """UsageError naming the option when a bars figure would draw no value (a year no city states)."""
    if table["value"].notna().any():
        return
    what = "statement" if kind == "all" else kind
    stated = compare(ds, indicators=[ind], cities=cities, kind=kind, pick="all")
    years = sorted({int(y) for y in stated.loc[stated["value"].notna(), "year"].dropna()})
    where = f"--year {year}: no city states a {what} of {ind} for {year}" if year else \
        f"no city states a {what} of {ind} with these options"
    raise UsageError(where + (f"; years stated: {', '.join(map(str, years))}" if years else "")
                     + "; nothing was written")


def export_kit(ds: Dataset, *, comparison: str | None = None, theme: str | None = None,
               cities: Iterable[str] | str | None = None, chart: str = "bars", indicator: str | None = None,
               lang: str = "both", size: str = "column", out,
               kind: str | None = "target", year: int | None = None, derived: bool = True,
               conflicts: bool = True) -> list[Path]:
    """Write ``<name>.png`` (300 dpi), ``.svg``, ``.html``, ``.csv`` and ``.caption.txt`` into ``out``.

    ``comparison``: a comparison set or an indicator key; ``theme``: a theme of the codebook;
    or only ``indicator``. ``chart``: bars, dumbbell (alias timeline) or matrix. ``size``:
    column (8 cm wide) or page (7 in). Returns the written paths; CompareError for an
    unknown comparison, theme, chart, indicator, city, kind or size.
    A bars chart shows ``kind`` (target, baseline, projection or all; None: all) of ``year``
    (None: each city's latest of that kind). ``derived`` and ``conflicts``: keep derived values and
    the values a document contradicts (drawn marked: hatched and [derived], ⚠ in red); False
    leaves them out. Caveats are numbered notes under the plot; the source line (documents,
    dataset and version) is drawn inside the figure; the SVG keeps its text as text.
    """
    if chart not in CHARTS:
        raise CompareError(f"unknown chart {chart!r}; expected one of: {', '.join(CHARTS)}")
    if size not in WIDTHS:
        raise CompareError(f"unknown size {size!r}; expected column (8 cm) or page (7 in)")
    if lang not in LANGS:
        raise CompareError(f"unknown lang {lang!r}; expected zh, en or both")
    shown_kind = kind or "all"
    if shown_kind not in KIND_CHOICES:
        raise CompareError(f"unknown kind {kind!r}; expected one of: {', '.join(KIND_CHOICES)}")
    kind = CHARTS[chart]  # ``kind`` below is the chart type
    if isinstance(cities, str):
        cities = [c.strip() for c in cities.split(",") if c.strip()]
    cities = list(cities) if cities else None
    keys, set_title, stem = _resolve(ds, comparison, theme, indicator)
    ind = _pick_indicator(ds, keys, indicator, stem, shown_kind if kind == "bars" else "all") if kind != "matrix" else None
    fit = Fit(width_in=WIDTHS[size], font_pt=FONT_SIZES[size])
    set_name = pick(set_title["zh"], set_title["en"], lang)

    if kind == "bars":
        table = compare(ds, indicators=[ind], cities=cities, kind=shown_kind,
                        pick="year" if year else "latest", year=year or None)
        table = select(table, derived=derived, conflicts=conflicts)
        _check_stated(ds, table, ind, shown_kind, year, cities)
        title = f"{set_name}: {ds.indicator_title(ind, lang)}" if len(keys) > 1 else set_name
        spec = encode.bars(table, indicator=ind, lang=lang, dataset=ds, context=ds.context, fit=fit, notes=True)
        title += spec.when  # the year and kind every value shares, said once
        data = table
    elif kind == "dumbbell":
        table = baseline_target(ds, indicators=[ind], cities=cities)
        title = ds.indicator_title(ind, lang)
        spec = encode.dumbbell(table, indicator=ind, lang=lang, dataset=ds, fit=fit, notes=True)
        data = pd.concat([compare(ds, indicators=[ind], cities=cities, kind=k) for k in ("baseline", "target")],
                         ignore_index=True)
    else:
        table = coverage(ds, indicators=keys, cities=cities)
        title = set_name
        spec = encode.matrix(table, lang=lang, dataset=ds, fit=fit, brief=True)
        data = compare(ds, indicators=keys, cities=cities, kind="all", pick="all", fill_missing=True)

    if lang == "en":  # an English figure carries no Chinese words (the caption keeps the quotes)
        title = english_only(title)
        _english_spec(spec)
    suffix = [] if kind != "bars" or shown_kind == "target" else [shown_kind]
    name = "-".join(filter(None, [stem, ind if ind and ind != stem else None, kind, *suffix,
                                  str(year) if year and kind == "bars" else None, lang, size]))
    source_ids = [i for i in data["source_id"] if isinstance(i, str) and i] if "source_id" in data else []
    has_derived = kind == "bars" and bool(data["status"].isin(["derived", "derived_context"]).any())
    width_pt = WIDTHS[size] * 72
    foot = _foot(spec, ds, source_ids, lang, (width_pt - 12) / NOTE_PT[size], has_derived)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staged = Staged(out)
    try:
        _draw(spec, title, foot, size, staged, name)
        ech = echarts_backend.draw(spec)
        _twin(ech, spec, foot)
        staged.path(f"{name}.html").write_text(embed.page_html([ech], title=title), encoding="utf-8")
        staged.path(f"{name}.csv").write_bytes(spreadsheet_csv(data).encode("utf-8"))  # formulas neutralised
        staged.path(f"{name}.caption.txt").write_text(
            caption(ds, spec, title=title, lang=lang, source_ids=source_ids, data=data if kind != "matrix" else None),
            encoding="utf-8")
    except BaseException:
        staged.discard()
        raise
    return staged.commit()


def _draw(spec, title: str, foot: str, size: str, staged: Staged, name: str) -> None:
    """The PNG (the reference rendering) and the SVG with its text kept as text, the notes and the
    source line under the plot in the room kept free for them."""
    base, note_pt = FONT_SIZES[size], NOTE_PT[size]
    with mpl_backend.style(), plt.rc_context({"font.size": base, "svg.fonttype": "none"}):
        # the title wraps to the figure width, between words and never at a hyphen
        title_text = wrap(title, WIDTHS[size] * 72 * 0.95 / (base + 1))
        w, h = encode.figure_size(spec, title_lines=encode.lines(title_text), caption_lines=lines(foot),
                                  caption_pt=note_pt)
        fig = plt.figure(figsize=(w, h), layout="constrained")
        foot_in = (LINE_EM * note_pt * lines(foot) + 8) / 72
        # a margin for the few points by which glyph metrics differ between PNG (300 dpi) and SVG;
        # the bottom band holds the notes and the source line
        fig.get_layout_engine().set(w_pad=6 / 72, h_pad=6 / 72, rect=(0, foot_in / h, 1, 1 - foot_in / h))
        try:
            mpl_backend.draw(spec, fig.add_subplot())
            fig.suptitle(title_text, fontsize=base + 1, x=0.02, ha="left", fontfamily=mpl_backend.FONT_FAMILY)
            fig.text(4 / 72 / w, (foot_in - 4 / 72) / h, foot, ha="left", va="top", fontsize=note_pt,
                     color=mpl_backend.PALETTE["ink"], gid="brief|foot", fontfamily=mpl_backend.FONT_FAMILY)
            fig.savefig(staged.path(f"{name}.png"), dpi=DPI, format="png", metadata={"Software": None})
            # the layout is settled by the first save; freezing it saves a second layout pass
            fig.set_layout_engine("none")
            # no creation date: the same data gives the same SVG
            fig.savefig(staged.path(f"{name}.svg"), format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)


def indicator_list(ds: Dataset, query: str | None = None) -> pd.DataFrame:
    """Indicators of the codebook (key, Chinese and English title, theme, unit, comparison sets,
    cities that state it), those whose key, titles, definition (what it counts, its denominator) or
    theme (key and titles) contain ``query`` (case-insensitive)."""
    book = ds.codebook["indicators"]
    sets = comparison_sets(ds)
    stated = ds.indicators.groupby("indicator", observed=True)["city"].agg(lambda c: ",".join(dict.fromkeys(map(str, c))))
    rows = [{"key": k, "title_zh": m.get("title_zh", ""), "title_en": m.get("title_en", ""), "theme": m.get("theme", ""),
             "unit": m.get("unit", ""), "sets": ",".join(n for n, v in sets.items() if k in v.get("indicators", [])),
             "cities": stated.get(k, "")} for k, m in book.items()]
    df = pd.DataFrame(rows)
    if query:
        df = df[[matches(ds, k, query) for k in book]]
    return df.reset_index(drop=True)


def matches(ds: Dataset, key: str, query: str) -> bool:
    """Whether indicator ``key``'s key, titles, definition (what it counts, its denominator) or theme
    (key and titles) contain ``query`` (case-insensitive); an empty query matches every indicator."""
    m = ds.codebook["indicators"].get(key, {})
    t = ds.codebook.get("themes", {}).get(m.get("theme", ""), {})
    text = " ".join(str(x) for x in (key, m.get("title_zh", ""), m.get("title_en", ""), m.get("definition", ""),
                                     m.get("counts", ""), m.get("denominator", ""), m.get("theme", ""),
                                     t.get("title_zh", ""), t.get("title_en", "")))
    return str(query).strip().lower() in text.lower()
