"""What a report notebook calls: one object that loads the data, shows and saves artefacts.

A notebook cell is one call: ``rep.table(...)``, ``rep.figure(...)``, ``rep.echart(...)``.
When ``artifacts_dir`` is set (the renderer sets it), every table is also written to
``tables/<name>.csv`` and every static figure to ``figures/<name>.png`` (300 dpi) and
``.svg``. All text from the data and the params is HTML-escaped before it is shown.
"""

from __future__ import annotations

import base64
import html
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from . import analysis
from .data import Dataset, load
from .viz.encode import scope_class_label
from .vocab import LANGS, SEP, entries as vocab_entries, join as vocab_join, label, pick


def _t(key: str, lang: str) -> str:
    """A table column heading from the vocabulary (``col_<key>``)."""
    return label(f"col_{key}", lang)


def _safe_name(name: str) -> str:
    """Artefact file names stay inside their folder whatever the caller passes."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip(".-")
    if not cleaned:
        raise ValueError(f"artefact name {name!r} has no usable characters")
    return cleaned[:80]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def short_source(ds: Dataset | None, row) -> str:
    """The document a row comes from, as a short citation: the plan's title (and number); for a value
    derived with an outside denominator, the plan plus the outside origin(s). Without a dataset, the row id."""
    if row["status"] == "not_stated":
        return ""
    if ds is None:
        return row["id"]
    src = ds.sources.set_index("id")
    text = row["id"]
    if row["source_id"] in src.index:
        s = src.loc[row["source_id"]]
        text = s["title_zh"] + (f" ({s['doc_number']})" if isinstance(s["doc_number"], str) and s["doc_number"] else "")
    if row["status"] == "derived_context" and ds.context_tables:
        from .context import table as context_table

        ctx = context_table(ds).set_index("id")
        origins = ds.context_tables["context_origins"].set_index("id")
        used = dict.fromkeys(ctx.loc[i, "origin_id"] for i in str(row["inputs"]).split(";") if i in ctx.index)
        text += "; " + "; ".join(origins.loc[o, "attribution_short"] for o in used)
    return text



def display_frame(table: pd.DataFrame, lang: str = "both", *, quotes: bool = True, ds: Dataset | None = None) -> pd.DataFrame:
    """A comparison table as a reader sees it: city, indicator, value label, quote, source.

    With ``ds``, the Source column names the document (short citation) rather than the row id.
    """
    rows = []
    for _, r in table.iterrows():
        city = pick(r["city_zh"], r["city_en"], lang)
        title = pick(r["title_zh"], r["title_en"], lang)
        flags = []
        if r["conflict"]:
            flags.append(label("flag_conflict", lang))
        if r["inferred_year"]:
            flags.append(label("flag_inferred", lang))
        derived = r["status"] in analysis.DERIVED
        if derived:
            flags.append(label(f"flag_{r['status']}", lang))
        row = {
            _t("city", lang): city,
            _t("indicator", lang): title,
            _t("value", lang): analysis.value_label(r, lang),
            # what a reader must know before comparing this value, beside it
            _t("caveat", lang): r.get("caveat", "") or "",
            _t("scope", lang): pick(r["scope_zh"], r["scope_en"], lang)
            if r["scope"] else "",
            _t("binding", lang): r["binding"],
            _t("flags", lang): "; ".join(flags),
        }
        if quotes:
            row[_t("quote", lang)] = r["quote"] if not derived else ""
            row[_t("source", lang)] = short_source(ds, r)
        if derived:
            inputs = "; ".join(filter(None, str(r["inputs"]).split(";")))
            row[_t("formula", lang)] = f"{r['formula']}. {_t('inputs', lang)}: {inputs}. {r['assumption']}"
        rows.append(row)
    return pd.DataFrame(rows)


def _heading(level: int, zh: str, en: str, lang: str) -> str:
    return f"<h{level}>{html.escape(pick(zh, en, lang))}</h{level}>"


def stated_by(table: pd.DataFrame, indicator: str) -> list[str]:
    """Cities with a stated or derived value for ``indicator`` in ``table``."""
    rows = table[(table["indicator"] == indicator) & table["value"].notna()]
    return sorted(set(rows["city"].astype(str)))


class Report:
    """One report being built: the dataset, the language, and where artefacts go."""

    def __init__(self, *, title: str = "", lang: str = "both", data_dir: str = "", artifacts_dir: str = ""):
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
        self.title = title
        self.lang = lang
        self.ds: Dataset = load(data_dir or None)
        self.artifacts = Path(artifacts_dir) if artifacts_dir else None
        self.saved: list[Path] = []

    # ------------------------------------------------------------------ display helpers

    @staticmethod
    def _show(obj) -> None:
        from IPython.display import display

        display(obj)

    def html(self, markup: str) -> None:
        from IPython.display import HTML

        self._show(HTML(markup))

    def header(self, subtitle: str = "") -> None:
        """Title, data version and the sources the report draws on (all escaped)."""
        pkg_version = ""
        try:
            from .data import load_package

            pkg_version = load_package(self.ds.data_dir).get("version", "")
        except Exception:  # the header must not fail a report
            pass
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        parts = [f"<h1>{html.escape(self.title)}</h1>"]
        if subtitle:
            parts.append(f"<p>{html.escape(subtitle)}</p>")
        def word(key: str, zh_too: bool = True) -> str:
            # the meta line reads English first in both languages, as the renderer's checks expect
            en, zh = label(key, "en"), label(key, "zh")
            return {"zh": zh, "en": en}.get(self.lang, f"{en} {zh}" if zh_too else en)

        meta = (f"{word('meta_dataset')} v{pkg_version} · {word('meta_fingerprint', False)} "
                f"{self.ds.fingerprint[:12]} · {word('meta_rendered')} {when}")
        parts.append(f"<p class='cmp-meta'>{html.escape(meta)}<br>{html.escape(label('report_promise', self.lang))}</p>")
        self.html("\n".join(parts))

    def city_header(self, city: str) -> None:
        """Header of a city profile: the city and the full citation of its plan(s)."""
        cites = self.ds.sources.loc[self.ds.sources["city"] == city, "citation"]
        self.header(self.ds.city_name(city, self.lang) + " · " + "; ".join(cites))

    def note(self, text: str) -> None:
        """A paragraph of narrative whose text may come from data or params (escaped)."""
        self.html(f"<p>{html.escape(text)}</p>")

    def section(self, key: str, *, level: int = 2) -> None:
        """A section heading from the vocabulary (``section_<key>``) and its intro, if it has one."""
        parts = [f"<h{level}>{html.escape(label(f'section_{key}', self.lang))}</h{level}>"]
        if f"section_{key}_intro" in vocab_entries():
            parts.append(f"<p>{html.escape(label(f'section_{key}_intro', self.lang))}</p>")
        self.html("".join(parts))

    def reading_guide(self) -> None:
        """How to read the charts: written once, in the vocabulary, shown by every report."""
        self.html(f"<p><strong>{html.escape(label('reading_guide_title', self.lang))}.</strong> "
                  f"{html.escape(label('reading_guide', self.lang))}</p>")

    def theme_intro(self, cities: list[str], *, comparison: str = "", theme: str = "") -> None:
        """What a theme report compares, naming the cities of the params (never a fixed list)."""
        meta = (self.ds.codebook.get("comparisons", {}).get(comparison) if comparison
                else self.ds.codebook.get("themes", {}).get(theme)) or {}
        parts = []
        for lang in (("zh", "en") if self.lang == "both" else (self.lang,)):
            title = meta.get(f"title_{lang}", comparison or theme)
            cities_text = vocab_join([self.ds.city_name(c, lang) for c in cities], lang)
            text = label("theme_intro", lang, cities=cities_text, title=title if lang == "zh" else title.lower())
            extra = f"theme_intro_{comparison or theme}"
            if extra in vocab_entries():
                text += " " + label(extra, lang)
            parts.append(f"<p>{html.escape(text)}</p>")
        self.html("".join(parts))

    # ------------------------------------------------------------------ artefacts

    def _path(self, folder: str, name: str, suffix: str) -> Path | None:
        if self.artifacts is None:
            return None
        return self.artifacts / folder / f"{_safe_name(name)}{suffix}"

    def _save_csv(self, frame: pd.DataFrame, name: str, *, index: bool = False) -> None:
        """Write tables/<name>.csv atomically when artefacts are kept."""
        path = self._path("tables", name, ".csv")
        if path is not None:
            _atomic_write_bytes(path, frame.to_csv(index=index).encode("utf-8"))
            self.saved.append(path)

    def table(self, table: pd.DataFrame, name: str, *, caption: str = "", quotes: bool = True,
              raw: bool = False) -> None:
        """Show a comparison table (escaped HTML) and save the full table as tables/<name>.csv."""
        shown = table if raw else display_frame(table, self.lang, quotes=quotes, ds=self.ds)
        self._save_csv(table, name)
        cap = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
        self.html(cap + shown.to_html(index=False, escape=True, na_rep="", border=0,
                                      classes="cmp-table"))

    def _static(self, ax_or_fig, name: str, caption: str = "") -> str:
        """Save figures/<name>.png (300 dpi) and .svg when artefacts are kept; return ``<img>`` markup (SVG)."""
        import io

        import matplotlib.pyplot as plt

        fig = getattr(ax_or_fig, "figure", ax_or_fig)
        if caption:
            fig.text(0.01, 0.005, caption, fontsize=7, color="#555", ha="left", va="bottom")
        png_path = self._path("figures", name, ".png")
        # one SVG serves both the page (vector, crisp at any zoom) and figures/; the 300 dpi PNG
        # is for print and is only made when artefacts are kept
        svg = io.BytesIO()
        # no date and ids salted by the figure's name: the same figure gives the same bytes on every
        # render, so a cached report and a fresh one publish identical files
        with plt.rc_context({"svg.hashsalt": name}):
            fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        if png_path is not None:
            hi = io.BytesIO()
            fig.savefig(hi, format="png", dpi=300, bbox_inches="tight")
            _atomic_write_bytes(png_path, hi.getvalue())
            _atomic_write_bytes(png_path.with_suffix(".svg"), svg.getvalue())
            self.saved += [png_path, png_path.with_suffix(".svg")]
        alt = caption or " / ".join(t for t in (a.get_title() for a in fig.axes) if t) or name
        plt.close(fig)
        data = base64.b64encode(svg.getvalue()).decode("ascii")
        return (f"<img alt='{html.escape(alt, quote=True)}' src='data:image/svg+xml;base64,{data}' "
                "style='max-width:100%'>")

    def figure(self, ax_or_fig, name: str, *, caption: str = "", folded: bool = False) -> None:
        """Show a matplotlib figure and save figures/<name>.png (300 dpi) and .svg.

        ``folded`` puts the picture in a closed <details> element.
        """
        img = self._static(ax_or_fig, name, caption)
        if folded:
            where = f" — figures/{html.escape(_safe_name(name))}.png, .svg" if self.artifacts is not None else ""
            img = (f"<details class='cmp-static'><summary>{html.escape(label('static_figure', self.lang))}{where}"
                   f"</summary>{img}</details>")
        self.html(img)

    def echart(self, chart, name: str = "", *, static=None) -> None:
        """Show an interactive ECharts chart that draws offline, with ``static`` (a matplotlib figure) as
        its fallback in the same output: what an untrusted notebook and a printed page show.

        With a ``name`` the static figure is also saved as figures/<name>.png and .svg.
        """
        from . import embed

        img = self._static(static, name or "chart") if static is not None else None
        self._show(embed.show(chart, static=img))

    def sources(self, table: pd.DataFrame) -> None:
        """List the documents a table draws on, with full citations."""
        cites = analysis.citation_table(self.ds, table)
        items = "".join(f"<li>{html.escape(c)} <span class='cmp-muted'>[{html.escape(i)}]</span></li>"
                        for i, c in zip(cites["id"], cites["citation"]))
        self.html(f"<h3>{html.escape(label('sources', self.lang))}</h3><ul>{items}</ul>")

    def context(self, indicator: str) -> None:
        """Outside context for an indicator (e.g. a national target), labelled as outside the plans."""
        ctx = self.ds.context[self.ds.context["indicator"] == indicator]
        if ctx.empty:
            return
        items = "".join(
            f"<li><strong>{html.escape(analysis.SYMBOLS.get(r['comparator'], ''))}{analysis.fmt_number(r['value'])}"
            f"{'%' if r['unit'] == 'percent' else ''}</strong> ({int(r['year'])}, {html.escape(r['scope'])}): "
            f"“{html.escape(r['quote'])}” — {html.escape(r['citation'])}</li>"
            for _, r in ctx.iterrows())
        self.html(f"<div class='cmp-meta'><strong>{html.escape(label('outside_context', self.lang))}</strong>"
                  f"<ul>{items}</ul></div>")

    # ------------------------------------------------------------------ sections
    # Each section is one notebook call; the notebook stays narrative plus calls.

    def indicator_section(self, table: pd.DataFrame, indicator: str, *, prefix: str = "",
                           min_cities: int = 1) -> None:
        """Heading, static chart, interactive chart, context and the rows for one indicator.

        Nothing is shown when fewer than ``min_cities`` cities state it.
        """
        from . import charts, echarts

        if len(stated_by(table, indicator)) < min_cities:
            return
        meta = self.ds.codebook["indicators"][indicator]
        self.html(_heading(3, meta["title_zh"], meta["title_en"], self.lang)
                  + f"<p class='cmp-muted'>{html.escape(meta['definition'])}</p>")
        name = f"{prefix}{indicator}"
        rows = table[table["indicator"] == indicator]
        from .answers import reference

        ref = reference(self.ds, indicator)
        kw = {"reference": ref[0], "reference_label": ref[1][self.lang]} if ref else {}
        # rows of different scope classes (a per-county floor, a citywide count) never share an axis
        groups = analysis.axes(rows) if "scope_class" in rows else [(indicator, "", rows)]
        ctx = self.ds.context
        for _, cls, part in groups:
            suffix = f"-{cls}" if len(groups) > 1 else ""
            if len(groups) > 1:
                self.html(f"<p class='cmp-muted'>{html.escape(scope_class_label(cls, self.lang, self.ds))}</p>")
            self.echart(echarts.bars(part, indicator=indicator, lang=self.lang, dataset=self.ds, **kw),
                        f"{name}{suffix}-bars",
                        static=charts.bars(part, indicator=indicator, lang=self.lang, dataset=self.ds, **kw))
        self.context(indicator)
        self.table(rows[rows["status"] != "not_stated"], f"{name}")

    def theme_sections(self, table: pd.DataFrame, *, prefix: str = "", min_cities: int = 1) -> None:
        """One section per indicator of the table that at least ``min_cities`` cities state."""
        shown = []
        for key in dict.fromkeys(table["indicator"]):
            if len(stated_by(table, key)) >= min_cities:
                self.indicator_section(table, key, prefix=prefix)
                shown.append(key)
        skipped = [k for k in dict.fromkeys(table["indicator"]) if k not in shown]
        if skipped:
            titles = ", ".join(self.ds.indicator_title(k, self.lang) for k in skipped)
            self.html("<p class='cmp-muted'>" + html.escape(label("no_city_states", self.lang) + titles) + "</p>")

    def _sentence(self, text: dict) -> str:
        if self.lang == "both":
            return f"<p class='cmp-answer'>{html.escape(text['zh'])}<br>{html.escape(text['en'])}</p>"
        return f"<p class='cmp-answer'>{html.escape(text[self.lang])}</p>"

    def answers(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None, indicators=None,
                year: int | None = None, name: str = "answers") -> None:
        """What the plans allow comparing, most cities first: per indicator a data-generated sentence,
        a chart (with a national reference line where data/context.csv has one) and the rows; then the
        indicators one plan states, as a compact list; then those no plan states, in one line."""
        from . import answers as ans
        from . import charts, echarts

        lang = self.lang
        headline, single, none = ans.answers(self.ds, comparison=comparison, theme=theme, indicators=indicators,
                                             cities=cities, year=year)
        for a in headline:
            self.html(_heading(3, a.rows["title_zh"].iloc[0], a.rows["title_en"].iloc[0], lang) + self._sentence(a.sentence))
            rows = ans.chart_rows(self.ds, a, cities)
            ref = ans.reference(self.ds, a.indicator)
            kw = {}
            if ref is not None:
                kw = {"reference": ref[0], "reference_label": ref[1][lang]}
            self.echart(echarts.bars(rows, indicator=a.indicator, lang=lang, dataset=self.ds, **kw),
                        f"{name}-{a.indicator}-bars",
                        static=charts.bars(rows, indicator=a.indicator, lang=lang, dataset=self.ds, **kw))
            self.context(a.indicator)
            # the heading names the indicator: the table leaves that column out
            shown = display_frame(a.rows, lang, ds=self.ds).drop(columns=[_t("indicator", lang)])
            self._save_csv(a.rows, f"{name}-{a.indicator}")
            self.html(shown.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap"))
        if single:
            self.html(f"<h3>{html.escape(label('section_single', lang))}</h3>")
            items = []
            for a in single:
                title = self.ds.indicator_title(a.indicator, lang)
                values = "; ".join(
                    f"{self.ds.city_name(str(r['city']), lang)} {analysis.value_label(r, lang)}"
                    + (" ⚠" if r["conflict"] else "") + f" — {short_source(self.ds, r)}"
                    for _, r in a.rows.iterrows())
                quotes = " ".join(f"“{q}”" for q in dict.fromkeys(a.rows["quote"]) if q)
                items.append(f"<li><strong>{html.escape(title)}</strong>: {html.escape(values)}"
                             + (f" <span class='cmp-quote'>{html.escape(quotes)}</span>" if quotes else "") + "</li>")
            self.html(f"<ul class='cmp-compact'>{''.join(items)}</ul>")
            self._save_csv(pd.concat([a.rows for a in single], ignore_index=True), f"{name}-single")
        if none:
            titles = "; ".join(self.ds.indicator_title(k, lang) for k in none)
            self.html(f"<p class='cmp-muted'>{html.escape(_t('none', lang) + titles)}</p>")

    def ratios(self, city: str, *, name: str = "") -> None:
        """The city's ratios (per 1,000 older residents, per township, shares) beside every other city's:
        one row per ratio the city has, one column per city, value labels; derived values marked."""
        from . import answers as ans

        keys = [k for k in self.ds.codebook.get("profile_ratios", []) if k in self.ds.codebook["indicators"]]
        headline, single, _none = ans.answers(self.ds, indicators=keys)
        mine = [a for a in headline + single if city in a.cities]
        if not mine:
            self.note(label("no_ratio", self.lang))
            return
        lang = self.lang
        rows = []
        for a in sorted(mine, key=lambda a: keys.index(a.indicator)):
            row = {_t("indicator", lang): self.ds.indicator_title(a.indicator, lang)}
            for c in self.ds.city_order:
                r = a.rows[a.rows["city"].astype(str) == c]
                text = " / ".join(analysis.value_label(x, lang) + (" ⚠" if x["conflict"] else "") for _, x in r.iterrows())
                if not text:
                    text = label("not_stated", lang)
                row[self.ds.city_name(c, lang) + (" ◀" if c == city else "")] = text
            rows.append(row)
        frame = pd.DataFrame(rows)
        self._save_csv(pd.concat([a.rows for a in mine], ignore_index=True), name or f"{city}-ratios")
        self.html(f"<h3>{html.escape(label('section_peers', lang))}</h3>"
                  + frame.to_html(index=False, escape=True, border=0, classes="cmp-pivot cmp-wrap"))

    def baseline_target(self, indicator: str, cities: list[str], *, name: str = "") -> None:
        """Baseline-to-target chart (static and interactive) when any city states both."""
        from . import analysis as an
        from . import charts, echarts

        bt = an.baseline_target(self.ds, indicators=[indicator], cities=cities)
        if not (bt["baseline_value"].notna() & bt["target_value"].notna()).any():
            return
        meta = self.ds.codebook["indicators"][indicator]
        self.html(_heading(3, label("baseline_and_target", "zh", title=meta["title_zh"]),
                           label("baseline_and_target", "en", title=meta["title_en"]), self.lang))
        self.echart(echarts.dumbbell(bt, indicator=indicator, lang=self.lang, dataset=self.ds),
                    name or f"{indicator}-baseline-target",
                    static=charts.dumbbell(bt, indicator=indicator, lang=self.lang, dataset=self.ds))

    def baselines_and_targets(self, city: str) -> int:
        """The section "Baselines and targets" of a profile: its heading and one chart per indicator the
        plan states both ways. Nothing at all, heading included, when there is no such pair; returns the count."""
        from . import analysis as an

        keys = an.both_kinds(self.ds, city)
        if keys:
            self.html(f"<h2>{html.escape(label('section_baselines', self.lang))}</h2>")
        for key in keys:
            self.baseline_target(key, [city], name=f"{city}-{key}-baseline-target")
        return len(keys)

    def plans(self, cities: list[str]) -> None:
        """One sentence naming the plans compared, from the data: how many cities, and each plan's period."""
        src = self.ds.sources[self.ds.sources["city"].isin(cities)]
        order = {c: i for i, c in enumerate(self.ds.city_order)}
        src = src.assign(_o=src["city"].map(order)).sort_values("_o")
        items = [f"{self.ds.city_name(r['city'], 'both')} ({int(r['period_start'])}–{int(r['period_end'])})"
                 for _, r in src.iterrows()]
        n, docs = len(set(src["city"])), len(src)
        en = label("plans_count", "en", n=n, docs=docs) + vocab_join(items, "en") + label("punct_stop", "en")
        zh = label("plans_count", "zh", n=n, docs=docs) + vocab_join(items, "zh")
        self.note({"zh": zh, "en": en}.get(self.lang, zh + SEP + en))

    def coverage(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                 min_cities: int = 1, name: str = "coverage") -> None:
        """Which city quantifies which indicator (static heatmap, interactive heatmap, CSV).

        Only indicators stated by at least ``min_cities`` of ``cities`` are shown.
        """
        from . import analysis as an

        cov = an.coverage(self.ds, comparison=comparison, theme=theme, cities=cities)
        cov = cov[(cov > 0).sum(axis=1) >= min_cities]
        self._matrix(cov, name, titles=self.ds)

    def theme_coverage(self, cities: list[str], *, name: str = "theme-coverage") -> None:
        """Statements per theme and city: what each plan chooses to quantify."""
        from . import analysis as an

        cov = an.theme_coverage(self.ds, cities=cities)
        themes = self.ds.codebook.get("themes", {})
        titles = {k: pick(v["title_zh"], v["title_en"], self.lang) for k, v in themes.items()}
        self._matrix(cov, name, titles=titles)

    def _matrix(self, cov: pd.DataFrame, name: str, *, titles) -> None:
        from . import charts, echarts

        self.echart(echarts.matrix(cov, lang=self.lang, titles=titles, dataset=self.ds), f"{name}-matrix",
                    static=charts.matrix(cov, lang=self.lang, titles=titles, dataset=self.ds))
        self._save_csv(cov, name, index=True)

    def pivot(self, table: pd.DataFrame, name: str) -> None:
        """Show a comparison table wide: one row per indicator, one column per city, value labels.

        "not stated" stays visible; ⚠ marks a contradiction (both values shown, separated by /).
        The full long table, with quotes and ids, is saved as tables/<name>.csv.
        """
        from . import analysis as an

        lang = self.lang
        empty = table.groupby("indicator", sort=False)["value"].agg(lambda v: v.isna().all())
        dropped = [k for k in empty.index if empty[k]]
        table = table[~table["indicator"].isin(dropped)]
        labelled = table.assign(label=[an.value_label(r, lang) + (" ⚠" if r["conflict"] else "")
                                       + (f" † {r['caveat']}" if r.get("caveat") else "")
                                       for _, r in table.iterrows()])
        if lang == "both":
            labelled["title_both"] = labelled["title_zh"] + " / " + labelled["title_en"]
            labelled["city_both"] = labelled["city_zh"] + " " + labelled["city_en"]
        title_col = {"zh": "title_zh", "en": "title_en"}.get(lang, "title_both")
        city_col = {"zh": "city_zh", "en": "city_en"}.get(lang, "city_both")
        wide = (labelled.groupby([title_col, city_col], sort=False, observed=True)["label"].agg(" / ".join)
                .unstack(city_col))
        cities = list(dict.fromkeys(table["city"].astype(str)))
        order = [self.ds.city_name(c, lang) for c in self.ds.city_order if c in cities]
        wide = wide.reindex(columns=order).reset_index().rename(columns={title_col: _t("indicator", self.lang)})
        wide.columns.name = None
        self._save_csv(table, name)
        self.html(wide.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-pivot"))
        if dropped:
            titles = "; ".join(self.ds.indicator_title(k, lang) for k in dropped)
            self.html(f"<p class='cmp-muted'>{html.escape(_t('all_missing', lang) + titles)}</p>")

    def headline_table(self, cities: list[str], *, comparison: str = "overview", name: str = "headline") -> pd.DataFrame:
        """Latest baseline and latest target per headline indicator and city (city columns); returns the long table."""
        from . import analysis as an

        table = an.compare(self.ds, comparison=comparison, cities=cities, kind="all")
        self.pivot(table, name)
        return table

    def conflicts(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                  name: str = "conflicts") -> None:
        """Every statement the documents contradict, both sides, with the curator's note.

        With ``comparison`` (a comparison set) or ``theme``, only the contradictions about its indicators.
        """
        from . import analysis as an

        st = an.statements(self.ds, cities=cities, comparison=comparison, theme=theme, include_derived=False)
        rows = st[st["conflict"]]
        if rows.empty:
            self.note(label("no_conflicts", self.lang))
            return
        shown = display_frame(rows, self.lang, ds=self.ds)
        shown[_t("note", self.lang)] = list(rows["note"])
        self._save_csv(rows, name)
        self.html(shown.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap"))

    def peers(self, city: str, *, kind: str = "target") -> None:
        """The city's targets next to the other cities', for every indicator two or more plans share."""
        from . import analysis as an

        keys = an.shared_with_peers(self.ds, city, kind=kind)
        if not keys:
            self.note(label("no_peers", self.lang))
            return
        table = an.compare(self.ds, indicators=keys, kind=kind)
        for key in keys:
            self.indicator_section(table, key, prefix=f"{city}-peers-")

    def profile(self, city: str) -> None:
        """Everything one city quantifies, theme by theme, with conflicts and inferred years called out."""
        from . import analysis as an

        st = an.statements(self.ds, cities=[city], include_derived=True)
        st = st[st["value"].notna()]
        themes = self.ds.codebook.get("themes", {})
        for theme in [t for t in themes if t in set(st["theme"])]:
            rows = st[st["theme"] == theme]
            self.html(_heading(2, themes[theme]["title_zh"], themes[theme]["title_en"], self.lang))
            self.table(rows, f"{city}-{theme}")
        inferred = st[st["inferred_year"]]
        self.html(f"<h2>{html.escape(label('inferred_values', self.lang))}</h2>")
        if inferred.empty:
            self.note(label("none", self.lang))
        else:
            shown = display_frame(inferred, self.lang, ds=self.ds)
            shown[_t("note", self.lang)] = list(inferred["note"])
            self.html(shown.to_html(index=False, escape=True, na_rep="", border=0))
