"""The sections a city profile is built of: what the plan quantifies, its ratios, its baselines against
its targets, and how its targets compare with its peers'."""

from __future__ import annotations

import html

import pandas as pd

from .. import analysis
from .. import analysis as an
from ..analysis import answers as ans
from ..vocab import SEP, join as vocab_join, label
from .tables import _heading, _t, display_frame


class ProfileSections:
    """Section builders of city profiles (mixed into :class:`compare.report.Report`)."""

    def ratios(self, city: str, *, name: str = "") -> None:
        """The city's ratios (per 1,000 older residents, per township, shares) beside every other city's:
        one row per ratio the city has, one column per city, value labels; derived values marked."""
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
                if not text:
                    text = label("not_stated", lang)
                row[self.ds.city_name(c, lang) + (" ◀" if c == city else "")] = text
            rows.append(row)
        frame = pd.DataFrame(rows)
        self._save_csv(pd.concat([a.rows for a in mine], ignore_index=True), name or f"{city}-ratios")
        self.html(f"<h3>{html.escape(label('section_peers', lang))}</h3>"
                  + frame.to_html(index=False, escape=True, border=0, classes="cmp-pivot cmp-wrap"))

    def baselines_and_targets(self, city: str) -> int:
        """The section "Baselines and targets" of a profile: its heading and one chart per indicator the
        plan states both ways. Nothing at all, heading included, when there is no such pair; returns the count."""
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

    def peers(self, city: str, *, kind: str = "target") -> None:
        """The city's targets next to the other cities', for every indicator two or more plans share."""
        keys = an.shared_with_peers(self.ds, city, kind=kind)
        if not keys:
            self.note(label("no_peers", self.lang))
            return
        table = an.compare(self.ds, indicators=keys, kind=kind)
        for key in keys:
            self.indicator_section(table, key, prefix=f"{city}-peers-")

    def profile(self, city: str) -> None:
        """Everything one city quantifies, theme by theme, with conflicts and inferred years called out."""
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
