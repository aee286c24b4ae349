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
from ..vocab import join as vocab_join, label, pick
from .tables import _heading, _t, display_frame, indicator_link, prose, stated_by

#: Themes kept apart from the elderly-care comparison: their statements stay in the data and get their
#: own section, but are out of the overview's counts, heat maps and contradiction list (托育: childcare).
APART = ("childcare",)


class AnswerLines:
    """An answer's sentence as a page writes it, and a list of them (mixed into :class:`ThemeSections`)."""

    def _sentence(self, text: dict, tag: str = "p", *, answer: ans.Answer | None = None) -> str:
        """An answer's sentence; with the ``answer``, its "Not stated: N cities" linked to the indicator page
        (where the list is) when the sentence counts them rather than naming them."""
        count = answer.missing_count if answer is not None else {}

        def one(lang):
            more = f" {indicator_link(answer.indicator, count[lang])}" if count else ""
            return html.escape(text[lang]) + more

        if self.lang == "both":
            return f"<{tag} class='cmp-answer'>{one('zh')}<br>{one('en')}</{tag}>"
        return f"<{tag} class='cmp-answer'>{one(self.lang)}</{tag}>"

    def answer_list(self, cities: list[str], *, comparison: str = "overview") -> None:
        """The answers of a comparison set as one list of sentences, no charts: what a page that compares
        many things (the overview) says first, under its question."""
        headline, single, _none = ans.answers(self.ds, comparison=comparison, cities=cities)
        keys = an.indicators_for(self.ds, comparison=comparison)
        items = "".join(f"<li>{indicator_link(a.indicator, self.ds.indicator_title(a.indicator, self.lang))}"
                        f"{self._sentence(a.sentence, 'div', answer=a)}</li>"
                        for a in ans.leading(headline, single, keys) + headline)
        if items:
            self.html(f"<ul class='cmp-answers'>{items}</ul>")


class ThemeSections(AnswerLines):
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
        self.html(_heading(3, meta["title_zh"], meta["title_en"], self.lang, key=indicator)
                  + f"<p class='cmp-muted'>{html.escape(meta['definition'])}</p>")
        name = f"{prefix}{indicator}"
        rows = table[table["indicator"] == indicator]

        ref = reference(self.ds, indicator)
        kw = {"reference": ref[0], "reference_label": ref[1][self.lang]} if ref else {}
        # rows of different scope classes (a per-county floor, a citywide count) never share an axis
        groups = analysis.axes(rows) if "scope_class" in rows else [(indicator, "", rows)]
        missing = [c for c in dict.fromkeys(rows["city"].astype(str)) if c not in stated_by(table, indicator)]
        # the chart draws the cities that give a value; the others are named once, under it
        groups = [(k, c, p[p["value"].notna()]) for k, c, p in groups if p["value"].notna().any()]
        for _, cls, part in groups:
            suffix = f"-{cls}" if len(groups) > 1 else ""
            if len(groups) > 1:
                self.html(f"<p class='cmp-muted'>{html.escape(scope_class_label(cls, self.lang, self.ds))}</p>")
            self.echart(echarts.bars(part, indicator=indicator, lang=self.lang, dataset=self.ds, **kw),
                        f"{name}{suffix}-bars",
                        static=charts.bars(part, indicator=indicator, lang=self.lang, dataset=self.ds, **kw))
        self._missing(missing, indicator)
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
            self._not_shown(table, skipped, "no_city_states")

    def _not_shown(self, table: pd.DataFrame, keys: list[str], word: str) -> None:
        self.html(not_shown_line(self.ds, table, keys, word, self.lang))

    def answers(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None, indicators=None,
                year: int | None = None, name: str = "answers") -> None:
        """What the plans allow comparing: per indicator two or more cities state comparably (in the
        order of :func:`~compare.analysis.answers.answers`), its sentence (who does not say named, or past
        12 cities counted and linked to the indicator page), its chart of the cities that give a value (a
        national reference line from data/context.csv) and their rows; a comparison set's own one-plan
        measures (:func:`~compare.analysis.answers.leading`) answered first, in full; then the other
        one-plan indicators, a compact linked list; then those no plan states, in one line."""
        lang = self.lang
        headline, single, none = ans.answers(self.ds, comparison=comparison, theme=theme, indicators=indicators,
                                             cities=cities, year=year)
        keys = an.indicators_for(self.ds, comparison=comparison, theme=theme, indicators=indicators)
        lead = ans.leading(headline, single, keys) if comparison else []
        single = [a for a in single if all(a is not b for b in lead)]
        for a in lead + headline:
            self.html(_heading(3, a.rows["title_zh"].iloc[0], a.rows["title_en"].iloc[0], lang, key=a.indicator)
                      + self._sentence(a.sentence, answer=a))
            self.answer_chart(a, f"{name}-{a.indicator}-bars")
            self.context(a.indicator)
            # the heading names the indicator: the table leaves that column out
            shown = display_frame(a.rows, lang, ds=self.ds).drop(columns=[_t("indicator", lang)])
            self._save_csv(a.rows, f"{name}-{a.indicator}")
            self.html(shown.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap"))
        if single:
            self.single_list(single, name=f"{name}-single")
        if none:
            titles = "; ".join(indicator_link(k, self.ds.indicator_title(k, lang)) for k in none)
            self.html(f"<p class='cmp-muted'>{html.escape(_t('none', lang))}{titles}</p>")

    def answer_chart(self, a: ans.Answer, name: str, *, highlight=()) -> None:
        """The chart of one answer: the cities that give a value (the sentence names those that do not);
        past a dozen cities a strip naming ``highlight`` (the report's own cities)."""
        ref = ans.reference(self.ds, a.indicator)
        kw = {"reference": ref[0], "reference_label": ref[1][self.lang]} if ref is not None else {}
        kw["highlight"] = list(highlight)
        self.echart(echarts.bars(a.rows, indicator=a.indicator, lang=self.lang, dataset=self.ds, **kw), name,
                    static=charts.bars(a.rows, indicator=a.indicator, lang=self.lang, dataset=self.ds, **kw))

    def single_list(self, single: list, *, name: str) -> None:
        """Indicators one plan states: one line each, the title linked to its page, the value and source."""
        lang = self.lang
        self.html(f"<h3>{html.escape(label('section_single', lang))}</h3>")
        items = []
        for a in single:
            values = "; ".join(f"{self.ds.city_name(str(r['city']), lang)} {analysis.value_label(r, lang)}"
                               + (" ⚠" if r["conflict"] else "") for _, r in a.rows.iterrows())
            items.append(f"<li>{indicator_link(a.indicator, self.ds.indicator_title(a.indicator, lang))}: "
                         f"{html.escape(values)}</li>")
        self.html(f"<ul class='cmp-compact'>{''.join(items)}</ul>")
        self._save_csv(pd.concat([a.rows for a in single], ignore_index=True), name)

    def baselines(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                  indicators=None, min_cities: int = 2) -> None:
        """The section "Baselines and targets": its heading and a chart per indicator that at least
        ``min_cities`` cities state and one states both ways; nothing at all when there is none."""
        keys = an.indicators_for(self.ds, comparison=comparison, theme=theme, indicators=indicators)
        bt = an.baseline_target(self.ds, indicators=keys, cities=cities)
        has = bt["baseline_value"].notna() | bt["target_value"].notna()
        both = bt["baseline_value"].notna() & bt["target_value"].notna()
        shown = [k for k in keys if has[bt["indicator"] == k].sum() >= min_cities and both[bt["indicator"] == k].any()]
        if not shown:
            return
        self.section("baselines")
        for key in shown:
            self.baseline_target(key, cities, min_cities=min_cities)

    def baseline_target(self, indicator: str, cities: list[str], *, name: str = "", min_cities: int = 1) -> None:
        """Baseline-to-target chart (static and interactive) of the cities that state either side, when
        at least ``min_cities`` do and one states both; the others are named once, under the chart."""
        bt = an.baseline_target(self.ds, indicators=[indicator], cities=cities)
        has = bt["baseline_value"].notna() | bt["target_value"].notna()
        if not (bt["baseline_value"].notna() & bt["target_value"].notna()).any() or has.sum() < min_cities:
            return
        meta = self.ds.codebook["indicators"][indicator]
        self.html(_heading(3, label("baseline_and_target", "zh", title=meta["title_zh"]),
                           label("baseline_and_target", "en", title=meta["title_en"]), self.lang, key=indicator))
        for _, r in bt[bt["pair_note"] != ""].iterrows():  # a pair of unlike quantities: said, not drawn
            self.html(f"<p class='cmp-muted'>{html.escape(self.ds.city_name(str(r['city']), self.lang))}: "
                      f"{html.escape(pick(r['pair_note_zh'], r['pair_note'], self.lang))}</p>")
        shown = bt[has].reset_index(drop=True)
        self.echart(echarts.dumbbell(shown, indicator=indicator, lang=self.lang, dataset=self.ds),
                    name or f"{indicator}-baseline-target",
                    static=charts.dumbbell(shown, indicator=indicator, lang=self.lang, dataset=self.ds))
        if len(cities) > 1:
            self._missing([str(c) for c in bt.loc[~has, "city"]], indicator)

    def _missing(self, cities: list[str], indicator: str) -> None:
        """"Not stated: ..." once, under a chart that draws only the cities that give a value; past
        :data:`~compare.analysis.answers.NAMES_AT_MOST` cities a count, linked to the indicator page."""
        if not cities:
            return
        many = len(cities) > ans.NAMES_AT_MOST

        def line(lang):
            if many:
                return label("answer_missing_count", lang, n=len(cities))
            return label("answer_missing", lang, cities=vocab_join([self.ds.city_name(c, lang) for c in cities], lang))
        text = line(self.lang) if self.lang != "both" else f"{line('zh')} {line('en')}"
        if many:
            self.html(f"<p class='cmp-muted'>{indicator_link(indicator, text)}</p>")
            return
        self.html(f"<p class='cmp-muted'>{html.escape(text)}</p>")

    def coverage(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                 min_cities: int = 1, keep_apart: bool = False, name: str = "coverage") -> None:
        """Which city quantifies which indicator (static heatmap, interactive heatmap, CSV).

        Only indicators stated by at least ``min_cities`` of ``cities`` are shown; ``keep_apart``
        leaves out the indicators of the themes of :data:`APART`.
        """
        cov = an.coverage(self.ds, comparison=comparison, theme=theme, cities=cities)
        cov = cov[(cov > 0).sum(axis=1) >= min_cities]
        if keep_apart:
            book = self.ds.codebook["indicators"]
            cov = cov[[book[k].get("theme") not in APART for k in cov.index]]
        self._matrix(cov, name, titles=self.ds, title=label("matrix_title", self.lang))

    def theme_coverage(self, cities: list[str], *, keep_apart: bool = False, name: str = "theme-coverage") -> None:
        """Statements per theme and city: what each plan chooses to quantify (``keep_apart``: without
        the themes of :data:`APART`)."""
        cov = an.theme_coverage(self.ds, cities=cities)
        if keep_apart:
            cov = cov[~cov.index.isin(APART)]
        themes = self.ds.codebook.get("themes", {})
        titles = {k: pick(v["title_zh"], v["title_en"], self.lang) for k, v in themes.items()}
        self._matrix(cov, name, titles=titles, title=label("matrix_title_themes", self.lang))

    def _matrix(self, cov: pd.DataFrame, name: str, *, titles, title: str) -> None:
        self.echart(echarts.matrix(cov, lang=self.lang, titles=titles, dataset=self.ds, title=title), f"{name}-matrix",
                    static=charts.matrix(cov, lang=self.lang, titles=titles, dataset=self.ds, title=title))
        self._save_csv(cov, name, index=True)

    def pivot(self, table: pd.DataFrame, name: str, *, min_cities: int = 1) -> None:
        """Show a comparison table wide: one row per indicator at least ``min_cities`` cities give a
        value for, one column per city, value labels (a blank cell: no value).

        ⚠ marks a contradiction (both values shown, separated by /). The indicators no city gives a
        value of the table's kind for are named in one line with what the cities do state of another
        kind. The full long table, with quotes and ids, is saved as tables/<name>.csv.
        """
        lang = self.lang
        counts = table[table["value"].notna()].groupby("indicator")["city"].agg(lambda c: len(set(map(str, c))))
        keys = list(dict.fromkeys(table["indicator"]))
        dropped = [k for k in keys if counts.get(k, 0) == 0]
        fewer = [k for k in keys if 0 < counts.get(k, 0) < min_cities]
        self._save_csv(table, name)
        full, table = table, table[~table["indicator"].isin(dropped + fewer) & table["value"].notna()]
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
        if len(wide):
            self.html(wide.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-pivot"))
        if fewer:
            self.html(f"<p class='cmp-muted'>{html.escape(label('pivot_fewer', lang, n=min_cities))}</p>")
        if dropped:
            self._not_shown(full, dropped, "col_all_missing")

    def headline_table(self, cities: list[str], *, comparison: str = "overview", name: str = "headline") -> pd.DataFrame:
        """Latest baseline and latest target per headline indicator and city (city columns); returns the long table."""
        table = an.compare(self.ds, comparison=comparison, cities=cities, kind="all")
        self.pivot(table, name)
        return table

    def conflicts(self, cities: list[str], *, comparison: str | None = None, theme: str | None = None,
                  keep_apart: bool = False, name: str = "conflicts") -> None:
        """Every contradiction of the documents, once: one row per contradiction with both values and
        both quotes, its note numbered and written once below the table (notes that repeat share a number).

        With ``comparison`` (a comparison set) or ``theme``, only the contradictions about its indicators;
        ``keep_apart`` leaves out the themes of :data:`APART` (the elderly-care overview).
        """
        st = an.statements(self.ds, cities=cities, comparison=comparison, theme=theme, include_derived=False)
        rows = st[st["conflict"]]
        if keep_apart:
            rows = rows[~rows["theme"].isin(APART)]
        if rows.empty:
            self.note(label("no_conflicts", self.lang))
            return
        self._save_csv(rows, name)
        lang = self.lang
        frame, notes = contradiction_table(self.ds, rows, lang)
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
        self.html(frame.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap")
                  + (f"<p class='cmp-muted'>{html.escape(_t('note', lang))}</p><ol class='cmp-notes'>{items}</ol>"
                     if notes else ""))


def contradiction_groups(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """The rows of each contradiction together: rows whose ``conflict:<id>`` flags link them, in the
    order of their first row."""
    ids = list(rows["id"])
    parent = {i: i for i in ids}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, flags in zip(ids, rows["flags"].fillna("").astype(str)):
        for f in flags.split(";"):
            other = f.split(":", 1)[1] if f.startswith("conflict:") else ""
            if other in parent:
                parent[root(other)] = root(i)
    order = list(dict.fromkeys(root(i) for i in ids))
    keys = rows["id"].map(root)
    return [rows[keys == k] for k in order]


def not_shown_line(ds, table: pd.DataFrame, keys: list[str], word: str, lang: str) -> str:
    """One line naming the indicators a table leaves out, true of what it leaves out: of the table's
    kind no city has a value (stated or derived); each says what the cities do state of another kind."""
    kinds = set(table["kind"].dropna().astype(str)) if "kind" in table else set()
    kind = next(iter(kinds)) if len(kinds) == 1 else "all"
    other = an.compare(ds, indicators=keys, kind="all", fill_missing=False)
    items = []
    for k in keys:
        rows = other[(other["indicator"] == k) & other["value"].notna()]
        text = indicator_link(k, ds.indicator_title(k, lang))
        if len(rows):
            values = "; ".join(f"{ds.city_name(str(r['city']), lang)} {analysis.value_label(r, lang)}"
                               for _, r in rows.iterrows())
            text += f" ({html.escape(values)})"
        items.append(text)

    def lead(lg):
        return label(word, lg, kind=label(kind if kind in ("target", "baseline", "projection") else "value_word", lg))

    head = lead(lang) if lang != "both" else f"{lead('zh')} {lead('en')}"
    return f"<p class='cmp-muted'>{html.escape(head)}{'; '.join(items)}</p>"


def contradiction_table(ds, rows: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[str]]:
    """One row per contradiction (both values, both quotes), and its notes: each distinct note once,
    the row's Note column giving its number."""
    notes: list[str] = []
    out = []
    for group in contradiction_groups(rows):
        shown = display_frame(group, lang, ds=ds, drop_empty=False)
        first = {col: " / ".join(dict.fromkeys(v for v in shown[col].astype(str) if v)) for col in shown.columns}
        text = next((prose(r, "note", lang) for _, r in group.iterrows() if prose(r, "note", lang)), "")
        if text and text not in notes:
            notes.append(text)
        first[_t("note", lang)] = str(notes.index(text) + 1) if text else ""
        out.append(first)
    frame = pd.DataFrame(out)
    return frame.loc[:, [c for c in frame.columns if frame[c].astype(str).str.strip().ne("").any()]], notes
