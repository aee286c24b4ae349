"""Command line: every subcommand of ``python -m compare``; parses options and calls the package. Heavy
modules are imported per command.

Exit codes: 0 success; 1 a user-fixable problem (printed as ``FILE:LINE: COLUMN: message``,
no traceback); 2 bad command-line usage; 130 interrupted. Any other exception is a bug and
keeps its traceback (``--debug`` also shows tracebacks for user errors).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from . import paths
from .errors import CompareError, UsageError


def _validate(args) -> int:
    from .data import validate

    ds, problems = validate(args.data)
    if ds is not None and args.sources is not None:
        from .data.rules import capture_problems

        problems = capture_problems(ds, args.sources)
    if ds is not None and not problems and args.migrated_from is not None:
        from .data.migration import migration_problems

        problems = migration_problems(args.migrated_from, ds.data_dir, ds.codebook)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    from .data.guards import context_warnings
    from .data.release import release_warnings

    for w in context_warnings(ds) + release_warnings(ds.data_dir):
        print(f"warning: {w}", file=sys.stderr)
    n = len(ds.indicators)
    print(f"{ds.data_dir}: valid ({n} values, {ds.indicators['city'].nunique()} cities, "
          f"{ds.indicators['indicator'].nunique()} indicators)")
    return 0


def _render(args) -> int:
    """``compare render``: options in, ``render()`` called, the summary printed; exit 1 if a report failed."""
    from .render import render

    summary = render(args.params or None, data_dir=args.data, out=args.out, jobs=args.jobs, force=args.force,
                     backend=args.backend, scheduler=args.scheduler, timeout=args.timeout, quiet=args.quiet,
                     pages=not args.no_pages)
    print(summary.table())
    return 1 if summary.failed else 0


def _figure(args) -> int:
    """``compare figure``: export a kit and print the written paths."""
    from .data import load
    from .report.brief import export_kit

    ds = load(args.data)
    written = export_kit(ds, comparison=args.comparison, theme=args.theme, cities=args.cities, chart=args.chart,
                         indicator=args.indicator, lang=args.lang, size=args.size, out=args.out, kind=args.kind,
                         year=args.year, derived=args.derived, conflicts=args.conflicts)
    for p in written:
        print(p)
    return 0


def _indicators(args) -> int:
    """``compare indicators [QUERY]``: list or search the indicators; exit 1 with a suggestion when none match."""
    from .data import load
    from .report.brief import did_you_mean, indicator_list

    ds = load(args.data)
    df = indicator_list(ds, args.query)
    if df.empty:
        raise CompareError(f"no indicator matches {args.query!r}." + did_you_mean(args.query, ds))
    for _, r in df.iterrows():
        print(f"{r['key']}\t{r['title_zh']}\t{r['title_en']}\t{r['theme']}\t{r['unit']}\t"
              f"sets: {r['sets'] or '-'}\tcities: {r['cities'] or '-'}")
    return 0


def _codebook(args) -> int:
    from .data import codebook_drift, write_codebook

    if args.write:
        print(f"wrote {write_codebook(args.data)}")
        return 0
    drift = codebook_drift(args.data)
    for line in drift:
        print(f"data/codebook.yaml: {line}", file=sys.stderr)
    return 1 if drift else 0


def _extract(args) -> int:
    """``compare extract``: write candidates (CSV) or a review sheet; ``--apply SHEET`` appends the accepted
    rows; ``--evaluate`` prints recall and key accuracy left one city out."""
    from .extract import apply_sheet, evaluate, extract_file, format_evaluation, parse_period, review_sheet, write_sheet

    if args.evaluate:
        for folder in args.answers or []:
            from .extract.answers import format_summary, score_folder, summary
            from .data import load_codebook

            if not (folder / "plans.yaml").is_file():
                raise CompareError(f"{folder}: no plans.yaml; --answers takes a folder of hand-keyed plans "
                                   "(tests/heldout/README.md describes one)")
            scores = score_folder(folder, load_codebook(Path(args.data or paths.DATA)))
            print(f"Plans keyed by hand in {folder}:\n\n{format_summary(summary(scores))}\n")
            if args.verbose:
                wrong = scores[~(scores["key_right"] & scores["year_kind"])]
                for _, w in wrong.iterrows():
                    print(f"- {w['plan']}: {w['written']} ({w['anchor']}): answer {w['answer']}, suggested "
                          f"{w['suggested'] or 'not found'}, {w['year']} {w['kind']}")
                print()
        seeds = Path(args.sources or paths.SEEDS)
        if not seeds.is_dir():
            if args.answers:
                return 0
            raise CompareError(f"{seeds}: folder of source captures not found; pass --sources DIR")
        table = evaluate(args.data, seeds)
        print(format_evaluation(table, wrong=args.verbose))
        return 0
    if args.apply:
        added, rejected = apply_sheet(args.apply, Path(args.data or paths.DATA))
        print(f"appended {added} row(s) to indicators.csv; recorded {rejected} rejection(s). Next: "
              "`python -m compare codebook --write`, then `python -m compare validate`")
        return 0
    missing = [name for name, v in (("PLAN", args.plan), ("--city", args.city), ("--source", args.source)) if not v]
    if missing:
        raise CompareError(f"compare extract: {', '.join(missing)} required (see `python -m compare extract --help`)")
    cands = extract_file(args.plan, city=args.city, source_id=args.source, data_dir=args.data,
                         period=parse_period(args.period))
    if cands.attrs.get("rejected_before"):
        print(f"left out {cands.attrs['rejected_before']} candidate(s) rejected before", file=sys.stderr)
    if args.new_only:
        cands = cands[~cands["why"].str.startswith("in dataset:")]
    if args.sheet:
        from .data import load_codebook

        write_sheet(review_sheet(cands, load_codebook(Path(args.data or paths.DATA))), args.sheet)
        print(f"wrote a review sheet of {len(cands)} candidate(s) to {args.sheet}; decide each row "
              f"(decision: keep, correct or reject), then `python -m compare extract --apply {args.sheet}`",
              file=sys.stderr)
    elif args.out:
        from .files import atomic_write_bytes

        args.out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(args.out, cands.to_csv(index=False).encode("utf-8"))
        print(f"wrote {len(cands)} candidate(s) to {args.out}", file=sys.stderr)
    else:
        cands.to_csv(sys.stdout, index=False)
    return 0


def _indicator(args) -> int:
    """``compare indicator new KEY``: write a codebook entry (flags, or prompts when interactive)."""
    from .data.codebook_entry import add_indicator, allowed_values

    data = Path(args.data or paths.DATA)
    if args.allowed:
        print(allowed_values(data))
        return 0
    given = {k: getattr(args, k) for k in ("theme", "unit", "title_zh", "title_en", "definition", "counts",
                                             "denominator", "scope_class", "basis", "period", "sets", "object",
                                             "object_zh", "qualifiers_zh", "excludes_zh", "measure", "per",
                                             "period_type")}
    ask = None
    if args.interactive or (args.interactive is None and sys.stdin.isatty()):
        def ask(field: str, allowed: str) -> str:
            return input(f"{field}{f' ({allowed})' if allowed else ''}: ").strip()
    path, key = add_indicator(data, args.key, given, ask=ask, sibling_of=args.sibling_of)
    print(f"wrote indicator {key} to {path}" + (f" (a sibling of {args.sibling_of})" if args.sibling_of else ""))
    return 0


def _lab(args) -> int:
    """``compare lab copy NAME`` (a working copy under work/) or ``compare lab git-filter``."""
    from .lab.command import run

    return run(args)


def _cite(args) -> int:
    """``compare cite [ID]``: the citation of one value, or of the dataset when no id is given."""
    from .data import load
    from .report.citation import cite_dataset, cite_value, require_version

    ds = load(args.data)
    require_version(ds)
    print(cite_value(ds, args.id, args.format, lang=args.lang) if args.id else cite_dataset(ds, args.format))
    return 0


def _diff(args) -> int:
    """``compare diff OLD NEW``: values added, removed and changed between two data folders, and the derived
    values that change with them. Exit codes as diff(1): 0 the same, 1 they differ, 2 bad input."""
    from .analysis.changes import derived_diff
    from .data.release import columns_changed, diff, format_diff

    try:
        changes, columns = diff(args.old, args.new), columns_changed(args.old, args.new)
        derived, note = derived_diff(args.old, args.new)
    except CompareError as err:
        if args.debug:
            raise
        print(str(err), file=sys.stderr)
        return 2
    print(format_diff(changes, args.format, old=str(args.old), new=str(args.new), columns=columns,
                      derived=derived, derived_note=note), end="")
    return 1 if changes or derived or columns[0] or columns[1] else 0


def _release(args) -> int:
    """``compare release VERSION --note TEXT``: record a release of the data folder (version, date, note,
    fingerprint) in datapackage.json and CITATION.cff."""
    from .data import validate
    from .data.release import parse_version, release

    if parse_version(args.version) is None:
        raise UsageError(f"VERSION: {args.version!r} is not MAJOR.MINOR.PATCH (three whole numbers without leading "
                         "zeros, e.g. 1.5.0); nothing was written")
    if not args.note.strip():
        raise UsageError("--note: a release needs a note saying what changed; nothing was written")
    data = Path(args.data or paths.DATA)
    ds, problems = validate(data)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        raise CompareError(f"{len(problems)} problem(s): a release is made of valid data only")
    entry = release(data, args.version, args.note, citation=paths.ROOT / "CITATION.cff" if args.data is None else None)
    print(f"released {entry['version']} ({entry['date']}), fingerprint {entry['fingerprint'][:12]}")
    return 0


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of jobs, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 job, got {n}")
    return n


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Help with every default shown and the epilog's examples kept as written."""

    def _get_help_string(self, action):
        # a default already said in words, or none worth saying, is not repeated
        if "default" in (action.help or "") or action.default in (None, False, True, argparse.SUPPRESS):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="compare", description="Cross-city elderly-care plan comparison.")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks for every error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate the dataset; one line per problem")
    p.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data/)")
    p.add_argument("--sources", type=Path, default=None,
                   help="folder of the plain-text captures named in sources.csv: also check every quote stands in its capture")
    p.add_argument("--migrated-from", type=Path, default=None, metavar="OLD_DATA_DIR",
                   help="the data folder of the previous version: also check every old row is kept with its value, "
                        "year and quote, keys renamed only as the codebook's migrations record says")
    p.set_defaults(func=_validate)

    p = sub.add_parser("render", help="render params files into reports")
    p.add_argument("params", nargs="*", type=Path, help="params/*.yaml files (default: all in params/)")
    p.add_argument("--data", type=Path, default=None, help="data folder (default: data/)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    p.add_argument("--jobs", type=_positive, default=None,
                   help="reports rendered in parallel (default: the cores available to this process)")
    p.add_argument("--force", action="store_true", help="re-render even when inputs are unchanged")
    p.add_argument("--backend", choices=["local", "dask"], default="local",
                   help="local processes, or a Dask distributed cluster (see docs/scaling.md)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a local cluster)")
    p.add_argument("--timeout", type=int, default=600, help="seconds a notebook cell may run (default 600)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--no-pages", action="store_true",
                   help="leave out the indicator pages and their catalogue (<out>/indicators/, built by default)")
    p.set_defaults(func=_render)

    p = sub.add_parser(
        "figure", help="export a brief kit: PNG 300 dpi + SVG + HTML + caption + CSV",
        description=textwrap.fill(
            "Write one figure for a brief: PNG (300 dpi, the reference rendering), SVG with editable text, "
            "an offline interactive HTML chart with the same values, ticks and notes, the data as CSV and "
            "a caption file. A bars figure shows one kind of statement (targets by default), each city's "
            "latest of that kind unless --year is given; caveats are numbered notes under the plot and the "
            "source line (documents, dataset name and version) is drawn inside the figure.", 100),
        formatter_class=_HelpFormatter,
        epilog="Indicator keys, their Chinese and English titles and the comparison sets they belong to are listed\n"
               "by `compare indicators` (search: `compare indicators 护理` or `compare indicators nursing`);\n"
               "they are defined in data/codebook.yaml (indicators, comparisons, themes).\n\n"
               "Contradictions (a document stating two values for one thing) are drawn, both values, marked \u26a0 in\n"
               "red; derived values (computed from two stated numbers) are drawn hatched and labelled [derived].\n"
               "--no-conflicts and --no-derived leave them out.\n\n"
               "examples:\n  compare figure beds --indicator nursing_bed_share --lang zh --out brief/\n"
               "  compare figure beds --indicator nursing_bed_share --kind baseline --year 2020 --out brief/\n"
               "  compare figure rural --cities huainan,baoshan --lang en --out brief/\n"
               "  compare figure --theme rural --chart matrix --size page --out brief/")
    p.add_argument("comparison", nargs="?", default=None,
                   help="a comparison set of data/codebook.yaml (beds, caregivers, rural, overview) or an indicator key")
    p.add_argument("--theme", default=None, help="a theme of data/codebook.yaml instead of a comparison set")
    p.add_argument("--indicator", default=None,
                   help="indicator key for single-indicator charts (list them: compare indicators); "
                        "default: the set's first indicator some city states of --kind")
    p.add_argument("--kind", default="target", choices=["target", "baseline", "projection", "all"],
                   help="which statements a bars chart shows")
    p.add_argument("--year", type=int, default=None,
                   help="only statements for this year (default: each city's latest of --kind)")
    p.add_argument("--cities", default=None, help="comma-separated city keys of data/cities.csv (default: all, in its order)")
    p.add_argument("--no-derived", dest="derived", action="store_false",
                   help="leave out derived values (default: drawn hatched, labelled [derived])")
    p.add_argument("--no-conflicts", dest="conflicts", action="store_false",
                   help="leave out values a document contradicts (default: both drawn, marked \u26a0 in red)")
    p.add_argument("--chart", default="bars", choices=["bars", "timeline", "dumbbell", "matrix"],
                   help="chart type (timeline: baseline -> target per city)")
    p.add_argument("--lang", default="both", choices=["zh", "en", "both"],
                   help="language of every text in the figure, its notes and its caption")
    p.add_argument("--size", default="column", choices=["column", "page"],
                   help="column: 8 cm wide, texts at least 7 pt; page: 7 in wide")
    p.add_argument("--data", type=Path, default=None,
                   help="folder of the curated dataset (indicators.csv, sources.csv, codebook.yaml, ...); "
                        "default: the shipped data/")
    p.add_argument("--out", type=Path, required=True, help="folder to write the kit into (created if missing)")
    p.set_defaults(func=_figure)

    p = sub.add_parser("indicators", formatter_class=_HelpFormatter,
                       help="list the indicators, or search them by key, title, definition or theme",
                       description="List the indicators of the codebook, one per line: key, Chinese and English "
                                   "title, theme, unit, comparison sets and the cities that state it. With TEXT, "
                                   "only those whose key, titles, definition (what it counts, its denominator) "
                                   "or theme contain it (case-insensitive).")
    p.add_argument("query", nargs="?", default=None,
                   help="text to look for (e.g. 护理型, nursing, rural); none: list all")
    p.add_argument("--data", type=Path, default=None,
                   help="folder of the curated dataset whose codebook.yaml is searched; default: the shipped data/")
    p.set_defaults(func=_indicators)

    p = sub.add_parser("codebook", help="check (or --write) the derived parts of data/codebook.yaml")
    p.add_argument("--data", type=Path, default=None)
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=_codebook)

    p = sub.add_parser("extract", help="candidate indicator rows from a plain-text capture of a plan",
                       description="Read a plain-text capture of a plan and write candidate rows in the columns of "
                                   "data/indicators.csv plus confidence and why, for a curator to review. "
                                   "With --evaluate, measure recall against the curated dataset instead.")
    p.add_argument("plan", nargs="?", type=Path, help="the capture (UTF-8 plain text)")
    p.add_argument("--city", help="city key the rows are for (as in cities.csv)")
    p.add_argument("--source", help="source id the rows cite (as in sources.csv)")
    p.add_argument("--out", type=Path, default=None, help="CSV file to write (default: standard output)")
    p.add_argument("--period", default=None, help="plan period START-END when sources.csv does not have it yet, e.g. 2024-2026")
    p.add_argument("--new-only", action="store_true", help="leave out candidates the dataset already has")
    p.add_argument("--data", type=Path, default=None, help="data folder for the codebook and existing rows (default: data/)")
    p.add_argument("--evaluate", action="store_true", help="print recall and candidates per curated value for every "
                                                             "source in sources.csv, reading captures from --sources")
    p.add_argument("--sources", type=Path, default=None, help="folder of captures for --evaluate (default: ../shared/seeds)")
    p.add_argument("--verbose", action="store_true", help="with --evaluate, list every value keyed wrong")
    p.add_argument("--answers", type=Path, action="append", default=None, metavar="DIR",
                   help="with --evaluate, also score the plans keyed by hand in DIR (its plans.yaml and answer files, "
                        "e.g. tests/heldout): keys right first time, year and kind, suggestions pooling unlike things")
    p.add_argument("--sheet", type=Path, default=None,
                   help="write a review sheet (CSV: one row per candidate, its suggested key and the next best with "
                        "their definitions, the fields a curator decides) instead of the raw candidates")
    p.add_argument("--apply", type=Path, default=None, metavar="SHEET",
                   help="append the kept and corrected rows of a decided review sheet to indicators.csv (validated; "
                        "nothing written if a row is invalid) and record the rejected ones")
    p.set_defaults(func=_extract)

    p = sub.add_parser("cite", help="how to cite one value (by its row id) or the dataset as a whole",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                       description="Print the citation of a value: the dataset, its version, the row id and the source "
                                   "document (issuer, title, document number, date, section, and its URL where "
                                   "sources.csv records one). Without ID, the dataset as a whole.")
    p.add_argument("id", nargs="?", default=None, help="a row id of data/indicators.csv, or of a derived value "
                                                         "(derived-..., ctx-...)")
    p.add_argument("--format", choices=["text", "bibtex"], default="text", help="citation format")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of a text citation of a value")
    p.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data/)")
    p.set_defaults(func=_cite)

    p = sub.add_parser("diff", help="values added, removed and changed between two data folders",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                       description="Compare OLD/indicators.csv with NEW/indicators.csv by row id: rows added and "
                                   "removed, and rows whose value, comparator, year, kind, unit, indicator, scope, "
                                   "quote, quote_en or caveat changed; then the derived values that change with them, "
                                   "recomputed from both folders. A folder of an older version compares too. Exit "
                                   "status as diff(1): 0 the same, 1 they differ, 2 bad input.")
    p.add_argument("old", type=Path, help="the earlier data folder")
    p.add_argument("new", type=Path, help="the later data folder")
    p.add_argument("--format", choices=["text", "csv", "markdown"], default="text",
                   help="text for reading, csv for a spreadsheet, markdown for CHANGELOG.md")
    p.set_defaults(func=_diff)

    p = sub.add_parser("release", help="record a release of the data: version, date, note and fingerprint",
                       description="Set the dataset version in datapackage.json, add its changes entry (date, note, "
                                   "fingerprint of the data) and update CITATION.cff. The version rule is in "
                                   "docs/decisions.md (Versions); validate warns when data changed after a release.")
    p.add_argument("version", help="MAJOR.MINOR.PATCH, above the current version (or equal to re-record it)")
    p.add_argument("--note", required=True, help="what changed, for readers")
    p.add_argument("--data", type=Path, default=None, help="data folder (default: the shipped data/)")
    p.set_defaults(func=_release)

    p = sub.add_parser("indicator", help="add an indicator to data/codebook.yaml")
    ind = p.add_subparsers(dest="indicator_command", required=True)
    q = ind.add_parser("new", help="write a codebook entry with every required definition field",
                       description="Write a new indicator into data/codebook.yaml. Every required field must be given "
                                   "(flags) or answered (prompts, when run in a terminal); --allowed lists the allowed "
                                   "values of each field.")
    q.add_argument("key", nargs="?", default="", help="the new key: lower_case_with_underscores")
    for name, text in (("theme", "a theme of the codebook"), ("unit", "a unit of the codebook"),
                       ("title-zh", "Chinese title"), ("title-en", "English title"),
                       ("definition", "one or two sentences: what is counted, of what, where"),
                       ("counts", "the object counted (for a share, the numerator)"),
                       ("denominator", "of what a share or ratio is taken (required for a ratio unit)"),
                       ("scope-class", "the one scope class of its rows"), ("basis", "stock, new_in_period, ..."),
                       ("period", "the period a new_in_period total covers (required for that basis)"),
                       ("sets", "comma-separated comparison sets to add it to (none: 'none')"),
                       ("object", "facet: English name of what is counted (default: --counts)"),
                       ("object-zh", "facet: comma-separated Chinese terms naming the object (default: the Chinese title)"),
                       ("qualifiers-zh", "facet: comma-separated words the key requires with the object"),
                       ("excludes-zh", "facet: comma-separated words that mean it is not this key"),
                       ("measure", "facet: count, share, ratio, amount, duration, rate or other (default: from the unit)"),
                       ("per", "facet: per how many of what a ratio is taken"),
                       ("period-type", "facet: point, plan_period, fixed_years or per_year (default: from the basis)"),
                       ("sibling-of", "an existing key: pre-fill every field from it, change only what is given "
                                      "(e.g. --basis per_year); the key defaults to the naming rule's")):
        q.add_argument(f"--{name}", dest=name.replace("-", "_"), default=None, help=text)
    q.add_argument("--allowed", action="store_true", help="list the allowed values of every field and exit")
    q.add_argument("--interactive", action=argparse.BooleanOptionalAction, default=None,
                   help="prompt for missing fields (default: when standard input is a terminal)")
    q.add_argument("--data", type=Path, default=None)
    p.set_defaults(func=_indicator)

    from .lab.command import add_arguments

    p = sub.add_parser("lab", help="JupyterLab helpers: working copies under work/, the notebook git filter")
    add_arguments(p)
    p.set_defaults(func=_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CompareError as err:
        if args.debug:
            raise
        print(str(err), file=sys.stderr)
        return 1
    except OSError as err:
        # a path the user named that cannot be read or written (permissions, a file where a folder is
        # expected, a full disk): the path and the reason; what is written is written atomically, so
        # nothing was half-written
        if args.debug or not err.filename:
            raise
        print(f"{err.filename}: cannot write or read it ({err.strerror or err}); check the path and its "
              "permissions; nothing was changed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
