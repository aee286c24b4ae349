"""The sections a theme report and the overview are built of: the answers first, then per indicator a
chart and a table, baseline against target, who states what, and the contradictions."""

from __future__ import annotations

import html

import pandas as pd

from .. import analysis
from .. import analysis as an
from ..analysis import answers as ans
from ..analysis.answers import reference
from ..viz import charts, echarts
from ..viz.encode import scope_class_label
from ..vocab import label, pick
from .tables import _heading, _t, display_frame, short_source, stated_by


class ThemeSections:
    """Section builders of theme reports (mixed into :class:`compare.report.Report`)."""

    # ------------------------------------------------------------------ sections
    # Each section is one notebook call; the notebook stays narrative plus calls.

    def indicator_section(self, table: pd.DataFrame, indicator: str, *, prefix: str = "",
                           min_cities: int = 1) -> None:
        """Heading, static chart, interactive chart, context and the rows for one indicator.

        Nothing is shown when fewer than ``min_cities`` cities state it.
        """
        if len(stated_by(table, indicator)) < min_cities:
            return
        meta = self.ds.codebook["indicators"][indicator]
        self.html(_heading(3, meta["title_zh"], meta["title_en"], self.lang)
                  + f"<p class='cmp-muted'>{html.escape(meta['definition'])}</p>")
        name = f"{prefix}{indicator}"
        rows = table[table["indicator"] == indicator]

        ref = reference(self.ds, indicator)
        kw = {"reference": ref[0], "reference_label": ref[1][self.lang]} if ref else {}
        # rows of different scope classes (a per-county floor, a citywide count) never share an axis
        groups = analysis.axes(rows) if "scope_class" in rows else [(indicator, "", rows)]
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

    def baseline_target(self, indicator: str, cities: list[str], *, name: str = "") -> None:
        """Baseline-to-target chart (static and interactive) when any city states both."""
        bt = an.baseline_target(self.ds, indicators=[indicator], cities=cities)
        for _, r in bt[bt["pair_note"] != ""].iterrows():  # a pair of unlike quantities: said, not drawn
            self.html(f"<p class='cmp-muted'>{html.escape(self.ds.city_name(str(r['city']), self.lang))}: "
                      f"{html.escape(pick(r['pair_note_zh'], r['pair_note'], self.lang))}</p>")
        if not (bt["baseline_value"].notna() & bt["target_value"].notna()).any():
            return
        meta = self.ds.codebook["indicators"][indicator]
        self.html(_heading(3, label("baseline_and_target", "zh", title=meta["title_zh"]),
                           label("baseline_and_target", "en", title=meta["title_en"]), self.lang))
        self.echart(echarts.dumbbell(bt, indicator=indicator, lang=self.lang, dataset=self.ds),
                    name or f"{indicator}-baseline-target",
                    static=charts.dumbbell(bt, indicator=indicator, lang=self.lang, dataset=self.ds))

    def coverage(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                 min_cities: int = 1, name: str = "coverage") -> None:
        """Which city quantifies which indicator (static heatmap, interactive heatmap, CSV).

        Only indicators stated by at least ``min_cities`` of ``cities`` are shown.
        """
        cov = an.coverage(self.ds, comparison=comparison, theme=theme, cities=cities)
        cov = cov[(cov > 0).sum(axis=1) >= min_cities]
        self._matrix(cov, name, titles=self.ds)

    def theme_coverage(self, cities: list[str], *, name: str = "theme-coverage") -> None:
        """Statements per theme and city: what each plan chooses to quantify."""
        cov = an.theme_coverage(self.ds, cities=cities)
        themes = self.ds.codebook.get("themes", {})
        titles = {k: pick(v["title_zh"], v["title_en"], self.lang) for k, v in themes.items()}
        self._matrix(cov, name, titles=titles)

    def _matrix(self, cov: pd.DataFrame, name: str, *, titles) -> None:

        self.echart(echarts.matrix(cov, lang=self.lang, titles=titles, dataset=self.ds), f"{name}-matrix",
                    static=charts.matrix(cov, lang=self.lang, titles=titles, dataset=self.ds))
        self._save_csv(cov, name, index=True)

    def pivot(self, table: pd.DataFrame, name: str) -> None:
        """Show a comparison table wide: one row per indicator, one column per city, value labels.

        "not stated" stays visible; ⚠ marks a contradiction (both values shown, separated by /).
        The full long table, with quotes and ids, is saved as tables/<name>.csv.
        """
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
        table = an.compare(self.ds, comparison=comparison, cities=cities, kind="all")
        self.pivot(table, name)
        return table

    def conflicts(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                  name: str = "conflicts") -> None:
        """Every statement the documents contradict, both sides, with the curator's note.

        With ``comparison`` (a comparison set) or ``theme``, only the contradictions about its indicators.
        """
        st = an.statements(self.ds, cities=cities, comparison=comparison, theme=theme, include_derived=False)
        rows = st[st["conflict"]]
        if rows.empty:
            self.note(label("no_conflicts", self.lang))
            return
        shown = display_frame(rows, self.lang, ds=self.ds)
        shown[_t("note", self.lang)] = list(rows["note"])
        self._save_csv(rows, name)
        self.html(shown.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap"))
