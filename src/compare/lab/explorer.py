"""The explorer: controls for theme, indicator, cities, kind, year and language over one comparison.

``Explorer`` builds ipywidgets controls, a comparison table (value, comparator, year, scope,
caveat, quote, source) and an interactive chart with its static picture, and updates both on
every change. A button writes the brief kit (:func:`compare.report.brief.export_kit`) of what is
shown. Everything is plain Python on widget values, so tests set values and read
:meth:`Explorer.table`, :meth:`Explorer.chart` and the widgets without a browser.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .. import analysis, paths
from ..data import Dataset, load
from ..errors import CompareError
from ..report.brief import matches, short_title
from ..viz import charts, echarts, embed
from ..vocab import KIND_CHOICES as KINDS, LANGS, label, pick

ALL = ""
#: Where brief kits go by default: a git-ignored folder at the repository root.
BRIEF_DIR = paths.ROOT / "work" / "briefs"

#: Table columns and the vocabulary entries that name them.
_COLUMNS = {"city": "explore_col_city", "value": "explore_col_value", "comparator": "explore_col_comparator",
            "year": "explore_year", "kind": "explore_kind", "scope": "explore_col_scope",
            "caveat": "explore_col_caveat", "quote": "explore_col_quote", "source": "explore_col_source"}


def comparator_symbol(comparator: str) -> str:
    """A comparator as a reader writes it: ≥, >, ≤, <, ≈, = and – for a range ("" when none)."""
    c = "" if comparator is None or (not isinstance(comparator, str) and pd.isna(comparator)) else str(comparator)
    return analysis.SYMBOLS.get(c) or {"=": "=", "range": "–"}.get(c, c)


def caveat_in(r, lang: str) -> str:
    """A row's caveat in ``lang``: ``caveat_zh`` in Chinese, ``caveat`` in English, both in both."""
    en, zh = (str(r.get(k, "") or "").strip() for k in ("caveat", "caveat_zh"))
    zh = zh or (label("see_english", "zh") if en else "")
    return {"zh": zh, "en": en}.get(lang) or pick(zh, en, "both")


def _kind_label(kind: str) -> str:
    return label("explore_all" if kind == "all" else kind, "both")


def indicator_options(ds: Dataset, *, theme: str = ALL, search: str = "") -> list[tuple[str, str]]:
    """(label, key) of the indicators whose key, Chinese or English title, definition or theme contains
    ``search`` (as ``compare indicators TEXT`` finds them).

    A search looks through every theme; without one, the indicators of ``theme`` are listed.
    Indicators some city states come first; the label says how many cities state each.
    """
    book = ds.codebook["indicators"]
    stated = ds.indicators.groupby("indicator")["city"].nunique().to_dict()
    needle = search.strip().lower()
    out = []
    for key, meta in book.items():
        if theme and not search.strip() and meta.get("theme") != theme:
            continue
        if needle and not matches(ds, key, needle):
            continue
        n = int(stated.get(key, 0))
        out.append((n, f"{meta.get('title_zh', key)} {meta.get('title_en', key)} · {label('explore_n_cities', 'both', n=n)}", key))
    out.sort(key=lambda t: -min(t[0], 1))  # stable: codebook order within stated / unstated
    return [(label, key) for _, label, key in out]


class Explorer:
    """Controls and outputs over one indicator; ``display(explorer)`` (or as a cell's last value) shows it."""

    def __init__(self, ds: Dataset | None = None, *, theme: str = "beds", indicator: str = "", cities=None,
                 kind: str = "target", year: int = 0, lang: str = "both", search: str = "",
                 brief_dir: str | Path = "", data_dir: str = ""):
        self.ds = ds if ds is not None else load(data_dir or None)
        themes = self.ds.codebook.get("themes", {})
        if theme and theme not in themes:
            raise CompareError(f"unknown theme {theme!r}; known: {', '.join(themes)}")
        if kind not in KINDS:
            raise CompareError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if lang not in LANGS:
            raise CompareError(f"unknown lang {lang!r}; expected one of {', '.join(LANGS)}")
        cities = list(cities) if cities else self.ds.city_order
        analysis._check_cities(self.ds, cities)
        self._busy = False
        self.brief_paths: list[Path] = []
        layout = w.Layout(width="auto")
        self.theme = w.Dropdown(description=label("explore_theme"), layout=layout,
                                options=[(label("explore_all"), ALL)] + [(f"{m['title_zh']} {m['title_en']}", k)
                                                              for k, m in themes.items()], value=theme)
        self.search = w.Text(value=search, description=label("explore_search"), continuous_update=False,
                             placeholder=label("explore_search_hint"))
        self.indicator = w.Dropdown(description=label("explore_indicator"), layout=w.Layout(width="640px"))
        self.cities = w.SelectMultiple(description=label("explore_cities"), rows=min(len(self.ds.city_order), 8),
                                       options=[(self.ds.city_name(c, "both"), c) for c in self.ds.city_order],
                                       value=tuple(cities))
        self.kind = w.ToggleButtons(description=label("explore_kind"), options=[(_kind_label(k), k) for k in KINDS], value=kind)
        self.year = w.Dropdown(description=label("explore_year"), options=[(label("explore_latest"), 0)], value=0)
        self.lang = w.ToggleButtons(description=label("explore_lang"), options=[(label(f"lang_{k}"), k) for k in LANGS], value=lang)
        self.brief_dir = w.Text(value=str(brief_dir or BRIEF_DIR), description=label("explore_brief_to"), layout=w.Layout(width="640px"))
        self.brief_button = w.Button(description=label("explore_write_brief"), icon="download",
                                     tooltip="PNG 300 dpi, SVG, offline HTML, CSV and caption of what is shown",
                                     layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.table_html = w.HTML()
        self.chart_out = w.Output()
        for box in (self.theme, self.indicator, self.cities, self.kind, self.year, self.lang):
            box.style.description_width = "110px"
        self.search.style.description_width = self.brief_dir.style.description_width = "110px"
        self._refresh_indicators(prefer=indicator)
        if indicator and self.indicator.value != indicator:
            raise CompareError(f"indicator {indicator!r} is not in theme {theme!r} (search {search!r})")
        self._refresh_years(prefer=year)
        for box in (self.theme, self.search):
            box.observe(self._on_filter, names="value")
        self.indicator.observe(self._on_indicator, names="value")
        self.kind.observe(self._on_indicator, names="value")
        for box in (self.cities, self.year, self.lang):
            box.observe(self._on_change, names="value")
        self.brief_button.on_click(self.write_brief)
        self.update()

    # ------------------------------------------------------------------ option lists

    def _refresh_indicators(self, prefer: str = "") -> None:
        opts = indicator_options(self.ds, theme=self.theme.value, search=self.search.value)
        keys = [k for _, k in opts]
        current = prefer or self.indicator.value
        self._busy = True
        try:
            self.indicator.options = opts
            self.indicator.value = current if current in keys else (keys[0] if keys else None)
        finally:
            self._busy = False

    def _refresh_years(self, prefer: int | None = None) -> None:
        rows = self.ds.indicators
        rows = rows[rows["indicator"] == self.indicator.value]
        if self.kind.value != "all":
            rows = rows[rows["kind"] == self.kind.value]
        years = sorted({int(y) for y in rows["year"].dropna()})
        current = self.year.value if prefer is None else prefer
        self._busy = True
        try:
            self.year.options = [(label("explore_latest"), 0)] + [(str(y), y) for y in years]
            self.year.value = current if current in years else 0
        finally:
            self._busy = False

    def _on_filter(self, change) -> None:
        if self._busy:
            return
        self._refresh_indicators()
        self._refresh_years()
        self.update()

    def _on_indicator(self, change) -> None:
        if self._busy:
            return
        self._refresh_years()
        self.update()

    def _on_change(self, change) -> None:
        if not self._busy:
            self.update()

    # ------------------------------------------------------------------ what is shown

    def table(self) -> pd.DataFrame:
        """The comparison rows shown: ``analysis.compare`` for the selected indicator, cities, kind, year."""
        if not self.indicator.value or not self.cities.value:
            return pd.DataFrame(columns=analysis.COLUMNS)
        year = self.year.value
        return analysis.compare(self.ds, indicators=[self.indicator.value], cities=list(self.cities.value),
                                kind=self.kind.value, pick="year" if year else "latest", year=year or None)

    def shown(self, table: pd.DataFrame | None = None) -> pd.DataFrame:
        """The table as the reader sees it: city, value, comparator (≥, ≈ ...), year, kind, scope, caveat,
        quote (in English or both, its English gloss ``quote_en`` beside it), source (the document's short title and section; for a derived value its formula and inputs)."""
        table = self.table() if table is None else table
        lang = self.lang.value
        rows = []
        for _, r in table.iterrows():
            missing = r["status"] == "not_stated" or pd.isna(r["value"])
            source = "" if missing else " · ".join(
                str(x) for x in (short_title(self.ds, str(r.get("source_id")), lang) if r.get("source_id") else "",
                                 r.get("section")) if x)
            if r["status"] in analysis.DERIVED:
                source = "; ".join(f"{label(k, lang)}: {r.get(c, '')}" for k, c in
                                   (("explore_formula", "formula"), ("explore_inputs", "inputs")) if r.get(c))
            rows.append({
                "city": self.ds.city_name(str(r["city"]), lang),
                "value": ("⚠ " if r["conflict"] else "") + analysis.value_label(r, "zh" if lang == "zh" else "en",
                                                                                with_year=False)
                if not missing else label("not_stated", lang),
                "comparator": comparator_symbol(r["comparator"]),
                "year": "" if pd.isna(r["year"]) else f"{r['year']}{'*' if r['inferred_year'] else ''}",
                "kind": label(r["kind"], lang) if r["kind"] in ("target", "baseline", "projection") else r["kind"],
                "scope": pick(r.get("scope_zh") or r["scope"], r.get("scope_en") or r["scope"], lang) if r["scope"] else "",
                "caveat": caveat_in(r, lang),
                "quote": r["quote"] if r["status"] == "stated" else "",
                "quote_en": str(r.get("quote_en", "") or "") if r["status"] == "stated" else "",
                "source": source,
            })
        # an English or bilingual view shows the quote's English gloss beside it; a Chinese view only Chinese
        columns = {**_COLUMNS} if lang == "zh" else {**{k: v for k, v in _COLUMNS.items() if k != "source"},
                                                      "quote_en": "tip_gloss", "source": _COLUMNS["source"]}
        frame = pd.DataFrame(rows, columns=list(columns))
        return frame.rename(columns={k: label(v, lang) for k, v in columns.items()})

    def chart(self, table: pd.DataFrame | None = None):
        """The interactive bars chart of what is shown (None when there are no rows)."""
        table = self.table() if table is None else table
        if table.empty:
            return None
        return echarts.bars(table, indicator=self.indicator.value, lang=self.lang.value, dataset=self.ds)

    def update(self) -> None:
        """Recompute the table and the chart from the controls."""
        table = self.table()
        shown = self.shown(table)
        title = self.ds.indicator_title(self.indicator.value, self.lang.value) if self.indicator.value else ""
        meta = self.ds.codebook["indicators"].get(self.indicator.value, {})
        head = (f"<h3>{html.escape(title)}</h3><p class='cmp-muted'>{html.escape(meta.get('definition', ''))}</p>"
                if title else f"<p>{html.escape(label('explore_no_match'))}</p>")
        self.table_html.value = ("<div class='cmp-explore-view'>" + head
                                 + shown.to_html(index=False, escape=True, na_rep="", border=0,
                                                 classes="cmp-table cmp-explore") + "</div>")
        chart = self.chart(table)
        outputs = ()
        if chart is not None:
            static = charts.bars(table, indicator=self.indicator.value, lang=self.lang.value, dataset=self.ds)
            # the output widget's content is shown on its own: it always carries the library
            bundle = embed.ChartOutput(chart, static=static, include_library=True)._repr_mimebundle_()
            plt.close(getattr(static, "figure", static))
            outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
        self.chart_out.outputs = outputs
        self.status.value = ""

    def static(self) -> "Static":
        """What is shown as ordinary output (an HTML table and the SVG picture of the chart): saved with the
        notebook, so a copy opened without a kernel still shows them."""
        table = self.table()
        body = self.table_html.value
        svg = ""
        if not table.empty:
            import io

            ax = charts.bars(table, indicator=self.indicator.value, lang=self.lang.value, dataset=self.ds)
            fig = getattr(ax, "figure", ax)
            buf = io.StringIO()
            with charts.style():
                fig.savefig(buf, format="svg", metadata={"Date": None})
            plt.close(fig)
            svg = buf.getvalue()
        return Static(body, svg)

    # ------------------------------------------------------------------ brief

    def write_brief(self, _button=None) -> list[Path]:
        """Write the brief kit of what is shown into the brief folder; the status line lists the files."""
        from ..report.brief import export_kit

        try:
            written = export_kit(self.ds, comparison=self.indicator.value, cities=list(self.cities.value),
                                 chart="bars", lang=self.lang.value, kind=self.kind.value, year=self.year.value or None,
                                 out=Path(self.brief_dir.value).expanduser())
        except (CompareError, OSError) as err:
            self.status.value = f"<span style='color:#b2182b'>{html.escape(str(err))}</span>"
            return []
        self.brief_paths = written
        self.status.value = (label("explore_written") + " " + ", ".join(f"<code>{html.escape(str(p))}</code>" for p in written))
        return written

    # ------------------------------------------------------------------ display

    def widget(self) -> w.Widget:
        controls = w.VBox([self.theme, self.search, self.indicator, self.cities, self.kind, self.year, self.lang])
        brief = w.HBox([self.brief_dir, self.brief_button])
        return w.VBox([controls, self.table_html, self.chart_out, brief, self.status])

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude)


class Static:
    """The explorer's table (HTML) and chart (SVG) as plain outputs; no widget, no kernel needed to show them."""

    def __init__(self, table_html: str, svg: str):
        self.table_html, self.svg = table_html, svg

    def _repr_html_(self) -> str:
        start = self.svg.find("<svg")
        return self.table_html + (f"<div class='cmp-explore-static'>{self.svg[start:]}</div>" if start >= 0 else "")
