"""A report page in a notebook: headings, narrative, tables and figures shown as notebook output
(escaped HTML); what is shown is also written as an artefact file by :class:`.artifacts.Artifacts`."""

from __future__ import annotations

import html
from datetime import datetime, timezone

import pandas as pd

from .. import analysis
from ..analysis.answers import NAMES_AT_MOST
from ..data import Dataset, load, load_package
from ..viz import embed
from ..vocab import check_lang, entries as vocab_entries, join as vocab_join, label
from .artifacts import Artifacts
from .tables import _safe_name, display_frame, source_labels


class Page:
    """One report page being built: the dataset, the language, and where artefacts go."""

    def __init__(self, *, title: str = "", lang: str = "both", data_dir: str = "", artifacts_dir: str = ""):
        check_lang(lang)
        self.title = title
        self.lang = lang
        self.ds: Dataset = load(data_dir or None)
        self.files = Artifacts(artifacts_dir)
        self.artifacts = self.files.folder

    @property
    def saved(self):
        """The artefact files written so far."""
        return self.files.saved

    def _save_csv(self, frame: pd.DataFrame, name: str, *, index: bool = False) -> None:
        self.files.save_csv(frame, name, index=index)

    def _static(self, ax_or_fig, name: str, caption: str = "") -> str:
        return self.files.static(ax_or_fig, name, caption)

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

    def section(self, key: str, *, level: int = 2, intro: bool = True) -> None:
        """A section heading from the vocabulary (``section_<key>``) and its intro, if it has one (and ``intro``)."""
        parts = [f"<h{level}>{html.escape(label(f'section_{key}', self.lang))}</h{level}>"]
        if intro and f"section_{key}_intro" in vocab_entries():
            parts.append(f"<p>{html.escape(label(f'section_{key}_intro', self.lang))}</p>")
        self.html("".join(parts))

    def reading_guide(self, *, folded: bool = False) -> None:
        """How to read the charts: written once, in the vocabulary, shown by every report.

        ``folded``: in a closed <details> element, after the answers, for a reader who needs it."""
        title, text = html.escape(label('reading_guide_title', self.lang)), html.escape(label('reading_guide', self.lang))
        if folded:
            self.html(f"<details class='cmp-fold'><summary>{title}</summary><p>{text}</p></details>")
        else:
            self.html(f"<p><strong>{title}.</strong> {text}</p>")

    def question(self, *, comparison: str = "", theme: str = "") -> None:
        """The question a theme report answers, in one line under its title (``question_<set>`` in the
        vocabulary, else a sentence naming the set's title)."""
        meta = (self.ds.codebook.get("comparisons", {}).get(comparison) if comparison
                else self.ds.codebook.get("themes", {}).get(theme)) or {}
        key = f"question_{comparison or theme}"
        if key in vocab_entries():
            text = label(key, self.lang)
        else:
            texts = {lg: label("question_generic", lg, title=meta.get(f"title_{lg}", comparison or theme))
                     for lg in ("zh", "en")}
            text = {"zh": texts["zh"], "en": texts["en"]}.get(self.lang, f"{texts['zh']} {texts['en']}")
        self.html(f"<p class='cmp-question'>{html.escape(text)}</p>")

    def theme_intro(self, cities: list[str], *, comparison: str = "", theme: str = "", folded: bool = False) -> None:
        """What a theme report compares, naming the cities of the params (never a fixed list).

        ``folded``: as the report's method, in a closed <details> element after the answers."""
        meta = (self.ds.codebook.get("comparisons", {}).get(comparison) if comparison
                else self.ds.codebook.get("themes", {}).get(theme)) or {}
        parts = []
        for lang in (("zh", "en") if self.lang == "both" else (self.lang,)):
            title = meta.get(f"title_{lang}", comparison or theme)
            # past twelve cities a count: a page never lists more names (the landing page lists the plans)
            cities_text = (vocab_join([self.ds.city_name(c, lang) for c in cities], lang) if len(cities) <= NAMES_AT_MOST
                           else label("n_cities", lang, n=len(cities)))
            text = label("theme_intro", lang, cities=cities_text, title=title if lang == "zh" else title.lower())
            extra = f"theme_intro_{comparison or theme}"
            if extra in vocab_entries():
                text += " " + label(extra, lang)
            parts.append(f"<p>{html.escape(text)}</p>")
        if folded:
            parts.insert(0, f"<summary>{html.escape(label('method_title', self.lang))}</summary>")
            parts.append(f"<p>{html.escape(label('section_answers_intro', self.lang))}</p>")
            self.html(f"<details class='cmp-fold'>{''.join(parts)}</details>")
            return
        self.html("".join(parts))


    def table(self, table: pd.DataFrame, name: str, *, caption: str = "", quotes: bool = True,
              raw: bool = False, fold: str = "") -> None:
        """Show a comparison table (escaped HTML) and save the full table as tables/<name>.csv.

        ``fold``: the table in a closed <details> element with this summary."""
        shown = table if raw else display_frame(table, self.lang, quotes=quotes, ds=self.ds)
        self._save_csv(table, name)
        cap = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
        markup = cap + shown.to_html(index=False, escape=True, na_rep="", border=0, classes="cmp-table cmp-wrap")
        if fold:
            markup = f"<details class='cmp-fold'><summary>{html.escape(fold)}</summary>{markup}</details>"
        self.html(markup)


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
        img = self._static(static, name or "chart") if static is not None else None
        self._show(embed.show(chart, static=img))

    def sources(self, table: pd.DataFrame, *, level: int = 2) -> None:
        """The section "Sources": the documents a table draws on, each once with its full citation and
        the short label the report's rows name it by (its heading is this section's only one)."""
        cites = analysis.citation_table(self.ds, table)
        labels = source_labels(self.ds)
        items = "".join(f"<li id='src-{html.escape(i)}'><strong>{html.escape(labels.get(i, i))}</strong> "
                        f"{html.escape(c)} <span class='cmp-muted'>[{html.escape(i)}]</span></li>"
                        for i, c in zip(cites["id"], cites["citation"]))
        self.html(f"<h{level}>{html.escape(label('section_sources', self.lang))}</h{level}><ul>{items}</ul>")

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
