"""Static charts (matplotlib/seaborn) drawn from the comparison tables of :mod:`compare.analysis`.

Every plot function takes its table first, the rest keyword-only, draws on ``ax`` (a new
figure when None) and returns the Axes. Nothing here shows or saves a figure.

What a number means is drawn, not only written: a lower bound (``≥``) is an open-ended bar
with an arrow, an approximate value (``≈``) has a dashed outline, a range is a light bar up to
its upper end, a baseline is hatched and hollow while a target is solid, a contradiction in a
document is marked ⚠ with both values shown, and a city that states nothing gets a
"未说明 not stated" label in its row instead of a bar.
"""

from __future__ import annotations

import importlib.resources
import textwrap
from functools import lru_cache
from typing import Literal, Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import yaml
from matplotlib.axes import Axes
from matplotlib.font_manager import fontManager
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import paths
from .analysis import KIND_LABEL, NOT_STATED, value_label
from .errors import CompareError

Lang = Literal["zh", "en", "both"]

#: Latin first so digits and Latin text keep DejaVu's metrics; CJK glyphs fall back to Noto.
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK SC"]
CJK_FONT = "NotoSansCJKsc-Regular.otf"

GREY = "#7f7f7f"
WARN = "#b2182b"


def setup_fonts() -> list[str]:
    """Register the CJK font shipped by the pinned ``mplfonts`` and set the fallback list.

    mplfonts' own ``init`` is not used because it rewrites matplotlibrc files outside the
    project; registering the file with the running font manager is enough. Returns the
    font.family list now in effect.
    """
    font = importlib.resources.files("mplfonts") / "fonts" / CJK_FONT
    if not any(f.fname.endswith(CJK_FONT) for f in fontManager.ttflist):
        fontManager.addfont(str(font))
    mpl.rcParams["font.family"] = list(FONT_FAMILY)
    mpl.rcParams["axes.unicode_minus"] = True
    # SVG text as paths: the file renders the same on machines without the CJK font.
    mpl.rcParams["svg.fonttype"] = "path"
    return list(FONT_FAMILY)


setup_fonts()


# --------------------------------------------------------------------------- lookups


@lru_cache(maxsize=1)
def _shipped_cities() -> pd.DataFrame:
    # Read the CSV directly, not via data.load(): colours must not depend on the whole
    # dataset validating while curators are mid-edit.
    return pd.read_csv(paths.DATA / paths.CITIES_FILE, dtype=str)


@lru_cache(maxsize=1)
def _shipped_codebook() -> dict:
    return yaml.safe_load(paths.CODEBOOK.read_text(encoding="utf-8"))


def _cities_frame(palette) -> pd.DataFrame:
    """A cities frame (key, name_zh, name_en, color) from None, a Dataset, a frame or a mapping."""
    if palette is None:
        return _shipped_cities()
    if hasattr(palette, "cities"):
        return palette.cities
    if isinstance(palette, pd.DataFrame):
        return palette
    if isinstance(palette, Mapping):
        return pd.DataFrame({"key": list(palette), "color": list(palette.values())})
    raise TypeError("palette: expected a Dataset, a cities frame, a {city: colour} mapping or None")


def city_colors(palette=None) -> dict[str, str]:
    """City key -> colour: the one city palette of ``cities.csv`` (or of ``palette``)."""
    df = _cities_frame(palette)
    return dict(zip(df["key"].astype(str), df["color"]))


def _color(colors: dict, city: str) -> str:
    return colors.get(city, GREY)


def city_name(city: str, lang: Lang = "both", palette=None, row=None) -> str:
    """``淮南``, ``Huainan`` or ``淮南 Huainan``; names from the row when it has them."""
    zh = en = None
    if row is not None and "city_zh" in row and isinstance(row["city_zh"], str) and row["city_zh"]:
        zh, en = row["city_zh"], row["city_en"]
    else:
        df = _cities_frame(palette)
        if "name_zh" in df:
            hit = df[df["key"].astype(str) == str(city)]
            if len(hit):
                zh, en = hit.iloc[0]["name_zh"], hit.iloc[0]["name_en"]
    if zh is None:
        return str(city)
    return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")


def _both(zh: str, en: str, lang: Lang) -> str:
    return {"zh": zh, "en": en}.get(lang, f"{zh} {en}")


def not_stated(lang: Lang = "both") -> str:
    return _both(NOT_STATED["zh"], NOT_STATED["en"], lang)


def unit_text(unit: str, lang: Lang = "both", book: dict | None = None) -> str:
    """The reader's unit (``%``, ``张``/``beds``); the key itself if the codebook has none."""
    units = (book or _shipped_codebook()).get("units", {})
    u = units.get(unit)
    if not u:
        return unit
    if lang == "both":
        return u["en"] if u["en"] == u["zh"] else f"{u['zh']} {u['en']}".strip()
    return u.get(lang, unit)


def _book(palette) -> dict | None:
    return getattr(palette, "codebook", None)


def _value_text(row, lang: Lang) -> str:
    """value_label in the chosen language; "both" writes numbers once, words in both."""
    if lang != "both":
        text = value_label(row, lang)
    elif row["status"] == "not_stated" or pd.isna(row["value"]):
        text = not_stated("both")
    else:
        en = value_label(row, "en")
        kind = KIND_LABEL.get(row["kind"], {})
        text = en.replace(f" {kind.get('en', '')})", f" {kind.get('zh', '')} {kind.get('en', '')})") if kind else en
    if row.get("conflict"):
        text = "⚠ " + text
    if row.get("caveat"):
        text += " †"  # the caveat itself is in the tooltip and in the table beside the chart
    return text


def _indicator_title(table: pd.DataFrame, indicator: str, lang: Lang) -> str:
    rows = table[table["indicator"] == indicator]
    zh, en = rows["title_zh"].iloc[0], rows["title_en"].iloc[0]
    return _both(zh, en, lang)


def _check_indicator(table: pd.DataFrame, indicator: str, what: str) -> pd.DataFrame:
    rows = table[table["indicator"] == indicator]
    if rows.empty:
        known = ", ".join(dict.fromkeys(table["indicator"].astype(str)))
        raise CompareError(f"indicator {indicator!r} is not in this {what}; it has: {known or 'no rows'}")
    return rows


def _new_ax(ax: Axes | None, n_rows: int) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 1.2 + 0.45 * max(n_rows, 1)), layout="constrained")
    return ax


# --------------------------------------------------------------------------- legend texts

_LEG = {  # (symbol, zh, en): the symbol is written once in bilingual labels
    "target": ("", "目标(实心)", "target (solid)"),
    "baseline": ("", "基数(斜线)", "baseline (hatched)"),
    "projection": ("", "预测(点)", "projection (dotted)"),
    "lower": ("≥", "下限,不封顶", "at least (open-ended)"),
    "upper": ("≤", "上限", "at most"),
    "approx": ("≈", "约数(虚线框)", "approximate (dashed)"),
    "range": ("", "区间(浅色至上限)", "range (light to upper end)"),
    "conflict": ("⚠", "文件自相矛盾,两值均列", "document contradicts itself; both shown"),
    "derived": ("", "[推算]", "[derived] computed from two stated values"),
    "derived_context": ("", "[推算·外部分母]", "[derived] with an outside denominator (census, divisions)"),
    "inferred": ("*", "年份为推断", "year inferred"),
    "not_stated": ("", "未说明:无数值", "not stated: no value"),
}


def _leg(key: str, lang: Lang) -> str:
    sym, zh, en = _LEG[key]
    text = {"zh": zh, "en": en}.get(lang, f"{zh} {en}")
    return f"{sym} {text}" if sym else text


def _legend_below(ax: Axes, handles: list, ncol: int) -> None:
    """Legend under the x-axis label; offset in points so it clears the tick and axis labels."""
    from matplotlib.transforms import offset_copy

    fs = mpl.font_manager.FontProperties(size=mpl.rcParams["font.size"]).get_size_in_points()
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-(3.0 * fs + 12), units="points")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below,
              ncol=ncol, fontsize="small", frameon=False, handlelength=1.6, borderaxespad=0,
              columnspacing=1.2)


_HATCH = {"baseline": "////", "projection": "...", "derived": "xx", "derived_context": "oo"}


def _legend(ax: Axes, present: list[str], color: str, lang: Lang) -> None:
    handles = []
    for key in present:
        if key == "target":
            h = Patch(facecolor=color, edgecolor=color)
        elif key == "baseline":
            h = Patch(facecolor="white", edgecolor=color, hatch=_HATCH["baseline"])
        elif key == "projection":
            h = Patch(facecolor="white", edgecolor=color, hatch=_HATCH["projection"])
        elif key in ("derived", "derived_context"):
            h = Patch(facecolor=color, edgecolor="black", hatch=_HATCH[key], alpha=0.8)
        elif key == "lower":
            h = Line2D([], [], color=color, marker=">", markersize=7, lw=2)
        elif key == "upper":
            h = Line2D([], [], color=color, marker="<", markersize=7, lw=2)
        elif key == "approx":
            h = Patch(facecolor=color, edgecolor="black", linestyle="--", alpha=0.75)
        elif key == "range":
            h = Patch(facecolor=color, alpha=0.3)
        else:  # conflict, inferred, not_stated: explained by text only
            h = Line2D([], [], linestyle="none")
        handles.append(h)
        h.set_label(_leg(key, lang))
    if handles:
        _legend_below(ax, handles, 2 if lang != "both" else 1)


# --------------------------------------------------------------------------- bars


def bars(table: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette=None, ax: Axes | None = None,
         reference: float | None = None, reference_label: str = "") -> Axes:
    """One horizontal bar per statement row of ``indicator`` in a :func:`~compare.analysis.compare` table.

    Rows keep the table's order (cities in dataset order). ``palette``: a Dataset, a cities
    frame, a ``{city: colour}`` mapping, or None for the shipped ``cities.csv`` colours.
    Bar length is the value in the indicator's unit; each bar's ``gid`` is
    ``"<row id>|<part>"`` with part ``value``, ``range`` or ``missing``.
    ``reference``: a value drawn as a labelled vertical line (e.g. a national target), gid ``reference``.
    Returns the Axes.
    """
    rows = _check_indicator(table, indicator, "comparison table").reset_index(drop=True)
    colors = city_colors(palette)
    ax = _new_ax(ax, len(rows))
    unit = rows["unit"].iloc[0]
    ends = pd.concat([rows["value"], rows["value_high"]]).astype(float)
    xmax = float(np.nanmax(ends)) if ends.notna().any() else 1.0
    xmax = xmax if xmax > 0 else 1.0
    arrow = 0.07 * xmax
    present: set[str] = set()
    labels = []
    for y, (_, r) in enumerate(rows.iterrows()):
        city = str(r["city"])
        color = _color(colors, city)
        labels.append(city_name(city, lang, palette, r))
        rid = r["id"] or f"{city}-{indicator}-not_stated"
        text = _value_text(r, lang)
        if r["status"] == "not_stated" or pd.isna(r["value"]):
            ax.text(0, y, "  " + text, va="center", ha="left", color=GREY, style="italic",
                    fontsize="small", gid=f"{rid}|missing")
            present.add("not_stated")
            continue
        kind = r["kind"] if r["kind"] in _HATCH else "target"
        cmp_ = r["comparator"]
        hollow = kind in ("baseline", "projection")
        face = "white" if hollow else color
        style = dict(edgecolor=color, linewidth=1.2, hatch=_HATCH.get(kind))
        if cmp_ == "~":
            style.update(linestyle="--", edgecolor="black" if not hollow else color)
            present.add("approx")
        if r["status"] in ("derived", "derived_context"):
            style.update(hatch=_HATCH[r["status"]], edgecolor="black")
            present.add(r["status"])
        ax.barh(y, float(r["value"]), height=0.62, color=face, alpha=0.75 if cmp_ == "~" and not hollow else 1.0,
                gid=f"{rid}|value", **style)
        present.add(kind)
        end = float(r["value"])
        if cmp_ == "range" and pd.notna(r["value_high"]):
            ax.barh(y, float(r["value_high"]) - end, left=end, height=0.62, color=color, alpha=0.3,
                    edgecolor="none", gid=f"{rid}|range")
            end = float(r["value_high"])
            present.add("range")
        elif cmp_ in (">=", ">"):
            ax.annotate("", xy=(end + arrow, y), xytext=(end, y),
                        arrowprops=dict(arrowstyle="-|>", color=color, lw=2, shrinkA=0, shrinkB=0),
                        gid=f"{rid}|open")
            end += arrow
            present.add("lower")
        elif cmp_ in ("<=", "<"):
            ax.annotate("", xy=(end - arrow, y), xytext=(end, y),
                        arrowprops=dict(arrowstyle="-|>", color="black", lw=1.5, shrinkA=0, shrinkB=0),
                        gid=f"{rid}|ceiling")
            present.add("upper")
        if r.get("conflict"):
            present.add("conflict")
        if r.get("inferred_year"):
            present.add("inferred")
        ax.text(end + 0.015 * xmax, y, text, va="center", ha="left", fontsize="small",
                color=WARN if r.get("conflict") else "black", gid=f"{rid}|label")
    ax.set_yticks(range(len(rows)), labels)
    # room on the right for the value labels, which are the point of the chart
    ax.set_xlim(0, max(xmax, reference or 0) * 1.75)
    if reference is not None:
        ax.axvline(reference, color="#444444", linestyle="--", linewidth=1.2, gid="reference")
        ax.text(reference, -0.6, reference_label, ha="center", va="bottom", fontsize="small", color="#444444",
                gid="reference|label")
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(f"{_indicator_title(rows, indicator, lang)} ({unit_text(unit, lang, _book(palette))})")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    order = ["target", "baseline", "projection", "lower", "upper", "approx", "range", "derived", "derived_context",
             "conflict", "inferred", "not_stated"]
    _legend(ax, [k for k in order if k in present], "#555555", lang)
    return ax


# --------------------------------------------------------------------------- dumbbell

_MARKER = {">=": ">", ">": ">", "<=": "<", "<": "<"}


def _side(r, side: str) -> dict:
    return {"status": r[f"{side}_status"], "value": r[f"{side}_value"], "value_high": r[f"{side}_value_high"],
            "comparator": r[f"{side}_comparator"], "year": r[f"{side}_year"], "kind": side,
            "unit": r["unit"], "inferred_year": False, "conflict": bool(r.get(f"{side}_conflict")),
            "caveat": r.get(f"{side}_caveat") or ""}


def dumbbell(bt: pd.DataFrame, *, indicator: str, lang: Lang = "both", palette=None, ax: Axes | None = None) -> Axes:
    """Baseline dot -> target dot per city from :func:`~compare.analysis.baseline_target`.

    The baseline is a hollow circle, the target a filled marker (a right-pointing triangle
    for a lower bound); a missing side is written out ("基数未说明 no baseline"). Marker
    ``gid``: ``"<city>|baseline"`` / ``"<city>|target"``. Returns the Axes.
    """
    rows = _check_indicator(bt, indicator, "baseline/target table").reset_index(drop=True)
    colors = city_colors(palette)
    ax = _new_ax(ax, len(rows))
    vals = pd.concat([rows["baseline_value"], rows["target_value"], rows["target_value_high"],
                      rows["baseline_value_high"]]).astype(float)
    xmax = float(np.nanmax(vals)) if vals.notna().any() else 1.0
    xmin = float(np.nanmin(vals)) if vals.notna().any() else 0.0
    span = max(xmax - xmin, abs(xmax) * 0.1, 1e-9)
    lo, hi = xmin - 0.35 * span, xmax + 0.35 * span
    if xmin >= 0 and lo < 0:
        lo = 0 if xmin - 0.35 * span < 0 and xmin < span else lo
    labels = []
    missing_text = {"baseline": ("基数未说明", "no baseline"), "target": ("目标未说明", "no target")}
    for y, (_, r) in enumerate(rows.iterrows()):
        city = str(r["city"])
        color = _color(colors, city)
        labels.append(city_name(city, lang, palette))
        b, t = _side(r, "baseline"), _side(r, "target")
        has_b, has_t = pd.notna(b["value"]), pd.notna(t["value"])
        if not has_b and not has_t:
            ax.text(lo + 0.02 * (hi - lo), y, not_stated(lang), va="center", color=GREY, style="italic",
                    fontsize="small", gid=f"{city}|missing")
            continue
        if has_b and has_t:
            ax.plot([b["value"], t["value"]], [y, y], color=color, lw=2.5, alpha=0.6, zorder=1)
        if has_t and t["comparator"] == "range" and pd.notna(t["value_high"]):
            ax.plot([t["value"], t["value_high"]], [y, y], color=color, lw=7, alpha=0.3, zorder=1,
                    solid_capstyle="butt")
        if has_b:
            ax.plot([b["value"]], [y], marker="o", ms=9, mfc="white", mec=color, mew=2, ls="none",
                    zorder=3, gid=f"{city}|baseline")
        if has_t:
            ax.plot([t["value"]], [y], marker=_MARKER.get(t["comparator"], "o"), ms=10, color=color,
                    ls="none", zorder=3, gid=f"{city}|target",
                    mfc=color if t["comparator"] != "~" else "white")
        # baseline label above the line, target label below, so they never share a line
        for side, d, has, dy, va in (("baseline", b, has_b, -0.3, "bottom"), ("target", t, has_t, 0.3, "top")):
            if has:
                ax.text(d["value"], y + dy, _value_text(d, lang), ha="center", va=va, fontsize="small",
                        color=WARN if d["conflict"] else "black", gid=f"{city}|{side}-label")
        for side, other, has, has_other in (("baseline", t, has_b, has_t), ("target", b, has_t, has_b)):
            if not has:
                x = other["value"]
                dy, va = (-0.3, "bottom") if side == "baseline" else (0.3, "top")
                ax.text(x, y + dy, _both(*missing_text[side], lang), ha="center", va=va, fontsize="small",
                        color=GREY, style="italic", gid=f"{city}|{side}-missing")
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xlim(lo, hi)
    unit = rows["unit"].iloc[0]
    ax.set_xlabel(f"{_indicator_title(rows, indicator, lang)} ({unit_text(unit, lang, _book(palette))})")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    handles = [Line2D([], [], marker="o", mfc="white", mec="#555555", mew=2, ls="none",
                      label=_both("基数", "baseline", lang)),
               Line2D([], [], marker="o", color="#555555", ls="none", label=_both("目标", "target", lang)),
               Line2D([], [], marker=">", color="#555555", ls="none", label=_leg("lower", lang))]
    _legend_below(ax, handles, 3)
    return ax


# --------------------------------------------------------------------------- matrix


def _titles(titles, lang: Lang) -> dict[str, str]:
    if titles is None:
        titles = _shipped_codebook()
    if hasattr(titles, "codebook"):
        titles = titles.codebook
    if isinstance(titles, Mapping) and "indicators" in titles and isinstance(titles["indicators"], Mapping):
        titles = titles["indicators"]
    out = {}
    for k, v in (titles or {}).items():
        out[k] = _both(v.get("title_zh", k), v.get("title_en", k), lang) if isinstance(v, Mapping) else str(v)
    return out


def matrix(cov: pd.DataFrame, *, lang: Lang = "both", ax: Axes | None = None, titles=None, palette=None) -> Axes:
    """Heatmap of :func:`~compare.analysis.coverage`: statements per indicator (rows) and city (columns).

    ``titles``: a Dataset, a codebook dict or ``{indicator: title}``; None reads the shipped
    codebook. Zero cells read "—" (not stated). Returns the Axes.
    """
    names = _titles(titles, lang)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 1.2 + 0.35 * max(len(cov), 1)), layout="constrained")
    annot = cov.map(lambda n: "—" if n == 0 else str(int(n))).to_numpy()
    sns.heatmap(cov, ax=ax, annot=annot, fmt="", cmap="Blues", vmin=0, vmax=max(int(cov.to_numpy().max()), 1) + 1,
                cbar=False, linewidths=1, linecolor="white", annot_kws={"fontsize": "small"})
    # long bilingual titles wrap (at the space between zh and en first) so the cells keep their width
    ylabels = [textwrap.fill(names.get(k, k), 46, break_long_words=False) for k in cov.index]
    ax.set_yticks(np.arange(len(cov)) + 0.5, ylabels, rotation=0)
    # bilingual city names on two lines: five or more columns do not fit side by side otherwise
    xlabels = [city_name(str(c), lang, palette).replace(" ", "\n", 1) for c in cov.columns]
    ax.set_xticks(np.arange(cov.shape[1]) + 0.5, xlabels, rotation=0)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_xlabel(_both("数字 = 陈述条数;— = 未说明", "number = statements; — = not stated", lang)
                  if lang != "both" else "数字 = 陈述条数;— = 未说明\nnumber = statements; — = not stated",
                  fontsize="small")
    ax.set_ylabel("")
    return ax
