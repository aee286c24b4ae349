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
        """What the plan quantifies (statements per theme, counted by :func:`statement_counts`, the same
        count each theme's section gives; the themes of :data:`~.theme.APART` named apart) and each target
        it shares with another plan: the sentence that compares it with the others', then the city's rank
        and percentile among the cities that state it, the median, and a strip of them with the city marked."""
        lang = self.lang
        st = an.statements(self.ds, cities=[city], include_derived=True)
        cov = statement_counts(st[st["value"].notna()]).groupby("theme")["stated"].sum()
        cov = cov[cov > 0]
        themes = self.ds.codebook.get("themes", {})
        cov = cov.reindex([t for t in themes if t in cov.index])
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
        # past twelve cities the standing says it all (rank, median, strip); the distribution's sentence is on
        # the theme reports and the indicator page
        many = len(self.ds.city_order) > ans.NAMES_AT_MOST
        if shared:
            items = "".join(f"<li>{indicator_link(a.indicator, self.ds.indicator_title(a.indicator, lang))}"
                            f"{'' if many else self._sentence(a.sentence, 'div', answer=a)}{self._standing(a, city)}</li>"
                            for a in shared)
            parts.append(f"<p>{html.escape(label('summary_shared', lang, n=len(shared)))}</p>"
                         f"<ul class='cmp-answers'>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(label('no_peers', lang))}</p>")
        self.html("".join(parts))

    def _standing(self, a: ans.Answer, city: str) -> str:
        """The city among the cities that state a target: its value, rank, percentile and the median in
        words, and a small strip of every city's value with the city marked (:func:`standing`)."""
        st = standing(a, city)
        if st is None:
            return ""
        r = st["row"]

        def line(lang):  # a percentage of fewer than four other cities says nothing the rank does not
            return label("profile_rank" if st["n"] >= 5 else "profile_rank_few", lang, city=self.ds.city_name(city, lang), value=an.value_label(r, lang),
                         rank=st["rank"], n=st["n"], below=st["below"],
                         median=ans.number_label(r, st["median"], lang))

        text = (html.escape(line(self.lang)) if self.lang != "both"
                else f"{html.escape(line('zh'))}<br>{html.escape(line('en'))}")
        return f"<div class='cmp-rank'>{text}</div>{strip_svg(self.ds, st, city, self.lang)}"

    def _shared_answers(self, city: str) -> list:
        """The answers (all cities) of the indicators ``city`` gives a target for and another plan states."""
        keys = an.shared_with_peers(self.ds, city)
        keys = [k for k in keys if self.ds.codebook["indicators"][k].get("theme") not in APART]
        headline, _single, _none = ans.answers(self.ds, indicators=keys) if keys else ([], [], [])
        return [a for a in headline if city in a.cities]

    def ratios(self, city: str, peers=None, *, name: str = "") -> None:
        """The city's ratios (per 1,000 older residents, per township, shares) beside its peers'
        (:func:`peer_group`; every city up to twelve): one row per ratio the city has, one column per city,
        value labels (blank: no value); derived values marked."""
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
        group = peer_group(self.ds, city, peers)
        for a in sorted(mine, key=lambda a: keys.index(a.indicator)):
            row = {_t("indicator", lang): self.ds.indicator_title(a.indicator, lang)}
            for c in [c for c in self.ds.city_order if group is None or c in group]:
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

    def peers_intro(self, city: str, peers=None) -> None:
        """What the peer charts show: every city (counted from the data), or the peer group, named."""
        group = peer_group(self.ds, city, peers)
        if group is None:
            self.note(label("profile_peers_intro", self.lang, n=len(self.ds.city_order)))
            return
        names = {lg: vocab_join([self.ds.city_name(c, lg) for c in group[:ans.NAMES_AT_MOST]], lg)
                 + ("…" if len(group) > ans.NAMES_AT_MOST else "") for lg in ("zh", "en")}
        text = {lg: label("profile_peers_group", lg, n=len(self.ds.city_order), cities=names[lg]) for lg in ("zh", "en")}
        self.note(text[self.lang] if self.lang != "both" else f"{text['zh']} {text['en']}")

    def peers(self, city: str, peers=None) -> None:
        """Per target the plan shares with another plan, the chart of the city and its peers that state it
        (:func:`peer_group`: every city up to :data:`~compare.analysis.answers.NAMES_AT_MOST`, else those of
        its province, or the ``peers`` chosen); where others state it too, a line says how many and links
        the indicator page, where every city is."""
        shared = self._shared_answers(city)
        if not shared:
            self.note(label("no_peers", self.lang))
            return
        group = peer_group(self.ds, city, peers)
        for a in shared:
            self.html(_heading(3, a.rows["title_zh"].iloc[0], a.rows["title_en"].iloc[0], self.lang, key=a.indicator))
            shown = a if group is None else _only(a, group)
            self.answer_chart(shown, f"{city}-peers-{a.indicator}-bars", highlight=[city])
            self._save_csv(shown.rows, f"{city}-peers-{a.indicator}")  # the data behind the chart
            others = len(a.cities) - len(shown.cities)
            if others:
                def more(lang):
                    return label("peers_others", lang, n=others)
                text = {"both": f"{more('zh')} {more('en')}"}.get(self.lang) or more(self.lang)
                self.html(f"<p class='cmp-muted'>{indicator_link(a.indicator, text)}</p>")

    def profile(self, city: str, *, folded: bool = True) -> None:
        """Every statement of the plan, theme by theme (``folded``: each theme in a <details> element
        whose summary gives the count of :func:`statement_counts`, the summary's count, derived values and
        annex restatements said apart), the themes of :data:`~.theme.APART` in their own section last
        (their heading once); then the values whose year is inferred, folded: a short table (value, year,
        indicator) with its note wrapped beneath each row's line."""
        st = an.statements(self.ds, cities=[city], include_derived=True)
        st = st[st["value"].notna()]
        themes = self.ds.codebook.get("themes", {})
        present = [t for t in themes if t in set(st["theme"])]
        for theme in [t for t in present if t not in APART] + [t for t in present if t in APART]:
            rows = st[st["theme"] == theme]
            title = pick(themes[theme]["title_zh"], themes[theme]["title_en"], self.lang)
            count = self._count_text(rows)
            if theme in APART:
                self.html(f"<h2>{html.escape(label('section_apart', self.lang, title=title))}</h2>"
                          f"<p class='cmp-muted'>{html.escape(label('section_apart_intro', self.lang))}</p>")
                # the heading names the theme: the fold says only what it holds
                fold = label("show_rows", self.lang, count=count) if folded else ""
            else:
                fold = f"{title} ({count})"
            if folded:
                self.table(rows, f"{city}-{theme}", fold=fold)
            else:
                if theme not in APART:
                    self.html(_heading(3, themes[theme]["title_zh"], themes[theme]["title_en"], self.lang))
                self.table(rows, f"{city}-{theme}")
        inferred = st[st["inferred_year"]]
        self.html(f"<h2>{html.escape(label('inferred_values', self.lang))}</h2>")
        if inferred.empty:
            self.note(label("none", self.lang))
        else:
            self.html(inferred_list(self.ds, inferred, self.lang))

    def _count_text(self, rows: pd.DataFrame) -> str:
        """"8 statements · 2 derived" for a theme's rows, by :func:`statement_counts` (the summary's count)."""
        c = statement_counts(rows).sum()

        def one(lang):
            parts = [label("n_statements", lang, n=int(c["stated"]))]
            if c["derived"]:
                parts.append(label("n_derived", lang, n=int(c["derived"])))
            if c["restated"]:
                parts.append(label("n_restated", lang, n=int(c["restated"])))
            return " · ".join(parts)

        return one(self.lang) if self.lang != "both" else f"{one('zh')} / {one('en')}"


def statement_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """The one count of a profile, per row of ``rows``: ``stated`` (a value the plan states, annex
    restatements not counted: what the summary counts per theme), ``derived`` (computed from stated
    values, never a statement) and ``restated`` (an annex restating a value); with ``theme``."""
    flags = rows["flags"].fillna("").astype(str)
    restated = flags.str.contains("restated_in_annex", regex=False) | flags.str.contains("restates:", regex=False)
    derived = rows["status"].isin(an.DERIVED)
    return pd.DataFrame({"theme": rows["theme"], "stated": (~derived & ~restated).astype(int),
                         "derived": derived.astype(int), "restated": (~derived & restated).astype(int)},
                        index=rows.index)


def inferred_list(ds, rows: pd.DataFrame, lang: str) -> str:
    """The values whose year is inferred, compact and folded: one short row each (indicator, value,
    source) with the note wrapped under it, never a wide table whose note runs off the screen."""
    items = []
    for _, r in rows.iterrows():
        note = prose(r, "note", lang)
        items.append(f"<li>{indicator_link(r['indicator'], pick(r['title_zh'], r['title_en'], lang))}: "
                     f"{html.escape(an.value_label(r, lang))}"
                     + (f"<div class='cmp-muted'>{html.escape(note)}</div>" if note else "") + "</li>")
    summary = label("inferred_summary", lang, n=len(rows))
    return (f"<details class='cmp-fold'><summary>{html.escape(summary)}</summary>"
            f"<ul class='cmp-compact'>{''.join(items)}</ul></details>")


def standing(a: ans.Answer, city: str) -> dict | None:
    """Where ``city`` stands among the cities that state a target (one per city, its highest): its row,
    ``rank`` (1 = highest), ``n``, ``below`` (the percentage of the other cities whose value is lower),
    the ``median`` and every city's ``values``; None when the city has no target in the answer."""
    per_city = ans.per_city_targets(a.rows)
    mine = per_city[per_city["city"].astype(str) == city]
    if mine.empty:
        return None
    v = per_city["value"].astype(float)
    me = float(mine["value"].iloc[0])
    n = len(per_city)
    below = int(round(100 * (v < me).sum() / (n - 1))) if n > 1 else 0
    return {"row": mine.iloc[0], "rank": int((v > me).sum()) + 1, "n": n, "below": below,
            "median": float(v.median()), "values": per_city}


def strip_svg(ds, st: dict, city: str, lang: str, *, width: int = 320, height: int = 26) -> str:
    """A small strip: one dot per city that states the target, on one line from the lowest to the
    highest value, the city's dot marked (filled, larger) and the median a tick. Each dot names its city,
    value and row id (a tooltip; ``data-ids`` for checks): every mark traces to its row."""
    vals = st["values"]
    lo, hi = float(vals["value"].min()), float(vals["value"].max())
    pad = 8

    def x(v):
        return pad + (width - 2 * pad) * ((float(v) - lo) / (hi - lo) if hi > lo else 0.5)

    y = height / 2
    marks = [f"<line x1='{pad}' x2='{width - pad}' y1='{y}' y2='{y}' stroke='#bbb'/>",
             f"<line x1='{x(st['median']):.1f}' x2='{x(st['median']):.1f}' y1='{y - 8}' y2='{y + 8}' stroke='#333'>"
             f"<title>{html.escape(label('median_word', lang))} {html.escape(ans.number_label(st['row'], st['median'], lang))}</title></line>"]
    for _, r in vals.sort_values("value").iterrows():
        me = str(r["city"]) == city
        tip = f"{ds.city_name(str(r['city']), lang)} {an.value_label(r, lang)}"
        marks.append(f"<circle cx='{x(r['value']):.1f}' cy='{y}' r='{6 if me else 3.5}' "
                     f"fill='{'#D55E00' if me else 'none'}' stroke='{'#D55E00' if me else '#555'}' "
                     f"data-ids='{html.escape(str(r['id']))}'><title>{html.escape(tip)}</title></circle>")
    desc = label("strip_alt", lang, n=st["n"], city=ds.city_name(city, lang), rank=st["rank"])
    return (f"<svg class='cmp-strip' role='img' aria-label='{html.escape(desc)}' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}'>{''.join(marks)}</svg>")


def peer_group(ds, city: str, peers=None) -> list[str] | None:
    """Who appears by name in a profile's peer charts: ``peers`` (a list of city keys, or "same province"),
    else every city when there are at most :data:`~compare.analysis.answers.NAMES_AT_MOST`, else the
    cities of its province. None: every city. The profiled city is always in."""
    if isinstance(peers, str) and peers == "same province" or (not peers and len(ds.city_order) > ans.NAMES_AT_MOST):
        prov = ds.cities.set_index("key")["province_en"].astype(str)
        group = [c for c in ds.city_order if prov.get(c) == prov.get(city)]
    elif peers:
        group = [c for c in ds.city_order if c in set(peers)]
    else:
        return None
    return [city] + [c for c in group if c != city]


def _only(a: ans.Answer, group: list[str]) -> ans.Answer:
    """The answer's rows of the cities of ``group`` (the profiled city first in the group)."""
    rows = a.rows[a.rows["city"].astype(str).isin(group)].reset_index(drop=True)
    return ans.Answer(a.indicator, rows, [c for c in a.cities if c in group], [c for c in a.missing if c in group],
                      a.sentence, None, a.missing_count)


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
