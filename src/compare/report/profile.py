"""The sections a city profile is built of: a summary first (what the plan quantifies, by theme; its
targets that other plans share and how they compare), then its baselines against its targets, its
ratios and targets beside its peers', and every statement theme by theme (childcare apart)."""

from __future__ import annotations

import html

import pandas as pd

from .. import analysis
from .. import analysis as an
from ..analysis import answers as ans
from ..vocab import SEP, join as vocab_join, label, pick
from .tables import _heading, _t, display_frame, indicator_link, prose
from .theme import APART


class ProfileSections:
    """Section builders of city profiles (mixed into :class:`compare.report.Report`)."""

    def summary(self, city: str) -> None:
        """What the plan quantifies (statements per theme, annex restatements not counted, the themes
        of :data:`~.theme.APART` named apart) and each target it shares with another plan, in the
        sentence that compares it with the others'."""
        lang = self.lang
        cov = an.theme_coverage(self.ds, cities=[city])[city]
        cov = cov[cov > 0]
        themes = self.ds.codebook.get("themes", {})
        main, apart = cov[~cov.index.isin(APART)], cov[cov.index.isin(APART)]

        def counts(series):
            return " · ".join(f"{pick(themes[t]['title_zh'], themes[t]['title_en'], lang)} {n}" for t, n in series.items())

        parts = [f"<h2>{html.escape(label('section_summary', lang))}</h2>",
                 f"<p>{html.escape(label('summary_count', lang, n=int(main.sum()), themes=len(main)))} "
                 f"<span class='cmp-muted'>{html.escape(counts(main))}</span></p>"]
        if len(apart):
            parts.append(f"<p class='cmp-muted'>{html.escape(label('summary_apart', lang, n=int(apart.sum())))}"
                         f" {html.escape(counts(apart))}</p>")
        shared = self._shared_answers(city)
        if shared:
            items = "".join(f"<li>{indicator_link(a.indicator, self.ds.indicator_title(a.indicator, lang))}"
                            f"{self._sentence(a.sentence, 'div')}</li>" for a in shared)
            parts.append(f"<p>{html.escape(label('summary_shared', lang, n=len(shared)))}</p>"
                         f"<ul class='cmp-answers'>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(label('no_peers', lang))}</p>")
        self.html("".join(parts))

    def _shared_answers(self, city: str) -> list:
        """The answers (all cities) of the indicators ``city`` gives a target for and another plan states."""
        keys = an.shared_with_peers(self.ds, city)
        keys = [k for k in keys if self.ds.codebook["indicators"][k].get("theme") not in APART]
        headline, _single, _none = ans.answers(self.ds, indicators=keys) if keys else ([], [], [])
        return [a for a in headline if city in a.cities]

    def ratios(self, city: str, *, name: str = "") -> None:
        """The city's ratios (per 1,000 older residents, per township, shares) beside every other city's:
        one row per ratio the city has, one column per city, value labels (blank: no value); derived values marked."""
        keys = [k for k in self.ds.codebook.get("profile_ratios", []) if k in self.ds.codebook["indicators"]]
        if not analysis.context_ratios.has_census(self.ds, city):  # said, never silent
            self.note(label("no_census_row", self.lang))
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
                row[self.ds.city_name(c, lang) + (" ◀" if c == city else "")] = text
            rows.append(row)
        frame = pd.DataFrame(rows)
        self._save_csv(pd.concat([a.rows for a in mine], ignore_index=True), name or f"{city}-ratios")
        self.html(f"<h3>{html.escape(label('section_peers', lang))}</h3>"
                  + frame.to_html(index=False, escape=True, border=0, classes="cmp-pivot cmp-wrap"))

    def baselines_and_targets(self, city: str) -> int:
        """The section "Baselines and targets" of a profile: one chart per indicator the plan states both
        ways and changes; a pair that does not change (100 % -> 100 %, 95 % -> ≥95 %) is one line of
        text. Nothing at all, heading included, when there is no pair; returns the number of pairs."""
        keys = an.both_kinds(self.ds, city)
        if not keys:
            return 0
        self.html(f"<h2>{html.escape(label('section_baselines', self.lang))}</h2>")
        bt = an.baseline_target(self.ds, indicators=keys, cities=[city])
        constant = []
        for key in keys:
            r = bt[bt["indicator"] == key]
            if len(r) and _constant(r.iloc[0]):
                constant.append(r.iloc[0])
                continue
            self.baseline_target(key, [city], name=f"{city}-{key}-baseline-target")
        if constant:
            lang = self.lang
            items = "".join(
                f"<li>{indicator_link(r['indicator'], self.ds.indicator_title(r['indicator'], lang))}: "
                f"{html.escape(_side_label(r, 'baseline', lang))} → {html.escape(_side_label(r, 'target', lang))}</li>"
                for r in constant)
            self.html(f"<p>{html.escape(label('baselines_constant', lang))}</p><ul class='cmp-compact'>{items}</ul>")
        return len(keys)

    def plans(self, cities: list[str]) -> None:
        """One sentence naming the plans compared, from the data: how many cities, and each plan's period."""
        src = self.ds.sources[self.ds.sources["city"].isin(cities)]
        order = {c: i for i, c in enumerate(self.ds.city_order)}
        src = src.assign(_o=src["city"].map(order)).sort_values("_o")
        items = [f"{self.ds.city_name(r['city'], self.lang)} ({int(r['period_start'])}–{int(r['period_end'])})"
                 for _, r in src.iterrows()]
        n, docs = len(set(src["city"])), len(src)
        # the list once: in a bilingual page the names are bilingual, the count in both languages before it
        lead = {lg: label("plans_count", lg, n=n, docs=docs) for lg in ("zh", "en")}
        text = {"zh": lead["zh"] + vocab_join(items, "zh"),
                "en": lead["en"] + vocab_join(items, "en") + label("punct_stop", "en")}.get(
            self.lang, lead["zh"] + SEP + lead["en"] + vocab_join(items, "en") + label("punct_stop", "en"))
        self.note(text)

    def peers(self, city: str) -> None:
        """Per target the plan shares with another plan, the chart of the cities that state it."""
        shared = self._shared_answers(city)
        if not shared:
            self.note(label("no_peers", self.lang))
            return
        for a in shared:
            self.html(_heading(3, a.rows["title_zh"].iloc[0], a.rows["title_en"].iloc[0], self.lang, key=a.indicator))
            self.answer_chart(a, f"{city}-peers-{a.indicator}-bars", highlight=[city])
            self._save_csv(a.rows, f"{city}-peers-{a.indicator}")  # the data behind the chart

    def profile(self, city: str, *, folded: bool = True) -> None:
        """Every statement of the plan, theme by theme (``folded``: each theme in a <details> element
        whose summary gives the count), the themes of :data:`~.theme.APART` in their own section last;
        then the values whose year is inferred."""
        st = an.statements(self.ds, cities=[city], include_derived=True)
        st = st[st["value"].notna()]
        themes = self.ds.codebook.get("themes", {})
        present = [t for t in themes if t in set(st["theme"])]
        for theme in [t for t in present if t not in APART] + [t for t in present if t in APART]:
            rows = st[st["theme"] == theme]
            title = pick(themes[theme]["title_zh"], themes[theme]["title_en"], self.lang)
            if theme in APART:
                self.html(f"<h2>{html.escape(label('section_apart', self.lang, title=title))}</h2>"
                          f"<p class='cmp-muted'>{html.escape(label('section_apart_intro', self.lang))}</p>")
            if folded:
                self.table(rows, f"{city}-{theme}", fold=f"{title} ({label('n_statements', self.lang, n=len(rows))})")
            else:
                self.html(_heading(3, themes[theme]["title_zh"], themes[theme]["title_en"], self.lang))
                self.table(rows, f"{city}-{theme}")
        inferred = st[st["inferred_year"]]
        self.html(f"<h2>{html.escape(label('inferred_values', self.lang))}</h2>")
        if inferred.empty:
            self.note(label("none", self.lang))
        else:
            shown = display_frame(inferred, self.lang, ds=self.ds)
            shown[_t("note", self.lang)] = [prose(r, "note", self.lang) for _, r in inferred.iterrows()]
            self.html(shown.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap"))


def _constant(r) -> bool:
    """A baseline-target pair that does not move: the same number, the target at most a floor of it."""
    if pd.isna(r["baseline_value"]) or pd.isna(r["target_value"]):
        return False
    return (float(r["baseline_value"]) == float(r["target_value"])
            and str(r["target_comparator"]) in ("=", ">=", "~", "nan", "") and str(r["baseline_comparator"]) != "range")


def _side_label(r, side: str, lang: str) -> str:
    row = {"value": r[f"{side}_value"], "value_high": r[f"{side}_value_high"], "comparator": r[f"{side}_comparator"],
           "unit": r["unit"], "year": int(r[f"{side}_year"]) if pd.notna(r[f"{side}_year"]) else r[f"{side}_year"], "kind": side, "status": r[f"{side}_status"],
           "inferred_year": False}
    return analysis.value_label(pd.Series(row), lang)
