"""Benchmark: one run, figures as ratios against references measured in the same run.

Measures (all on this machine, in this run):
- cold render of the whole suite vs the naive loop (papermill then ``jupyter nbconvert`` per file);
- warm re-render with nothing changed, and after changing one value in one city;
- per-report overhead vs the floor (papermill executing an empty parameterised notebook);
- scale: load + validate + every comparison on synthetic datasets of 5, 50 and 300 cities,
  each in a fresh process, with wall time and peak memory;
- one brief figure kit after warm-up;
- the synthetic many-city suites (``tools/synth_suite.py``: the theme reports, the overview and a profile
  per city) of 5, 60 and 330 cities, cold, ``--jobs 2``, and the 330-city suite again on a local Dask
  cluster: wall and CPU time, per-report execute time against the number of cities, peak memory of a
  kernel and page weights.
Prints a table and writes JSON. Targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from compare import paths

PY = sys.executable
BIN = Path(PY).parent

_SCALE_SCRIPT = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from compare.data import validate
from compare import analysis as an
t1 = time.perf_counter()
ds, problems = validate(sys.argv[1])
assert not problems, problems[:3]
t2 = time.perf_counter()
n = 0
for name in an.comparison_sets(ds):
    n += len(an.compare(ds, comparison=name))
    n += len(an.baseline_target(ds, comparison=name))
n += len(an.coverage(ds))
n += len(an.derive(ds))
t3 = time.perf_counter()
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"imports_s": t1 - t0, "validate_s": t2 - t1, "compare_s": t3 - t2,
                  "work_s": t3 - t1, "rows": len(ds.indicators), "cells": n, "peak_mb": peak_kb / 1024}))
"""

_EMPTY_NB = {
    "cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": None, "outputs": [],
               "source": 'x: int = 1  # a parameter'}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def _run(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t0


def _render_cmd(out: Path, *extra: str, data: Path | None = None) -> list[str]:
    cmd = [PY, "-m", "compare", "render", *map(str, sorted(paths.PARAMS.glob("*.yaml"))), "--out", str(out),
           "--quiet", *extra]
    if data:
        cmd += ["--data", str(data)]
    return cmd


def naive_loop(work: Path) -> float:
    """What a user would script: papermill then nbconvert, one params file after another."""
    t0 = time.perf_counter()
    for p in sorted(paths.PARAMS.glob("*.yaml")):
        params = yaml.safe_load(p.read_text(encoding="utf-8"))
        nb = paths.NOTEBOOKS / params.pop("notebook")
        params.pop("description", None)  # read by the renderer, not a notebook parameter
        art = work / p.stem
        art.mkdir(parents=True, exist_ok=True)
        params.update(artifacts_dir=str(art), data_dir=str(paths.DATA))
        pfile = work / f"{p.stem}.params.yaml"
        pfile.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        out_nb = art / f"{p.stem}.ipynb"  # as the renderer names it
        subprocess.run([str(BIN / "papermill"), str(nb), str(out_nb), "-f", str(pfile), "--cwd", str(paths.ROOT)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out_nb)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def scale_point(n: int, work: Path) -> dict:
    from tools.synth import write_synthetic

    data = write_synthetic(n, work / f"synth-{n}")
    t0 = time.perf_counter()
    res = subprocess.run([PY, "-c", _SCALE_SCRIPT, str(data)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out.update(cities=n, wall_s=wall)
    return out


def _children_usage() -> tuple[float, float]:
    """(CPU seconds of the child processes waited for so far, largest such child's peak RSS in MB); kernels
    that papermill starts are not waited for by this process, so neither figure covers them."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024


def suite_point(n: int, work: Path, *, jobs: int = 2, backend: str = "local", profiles: int | None = None,
                data_params: tuple[Path, list[Path]] | None = None) -> dict:
    """Render the synthetic suite of ``n`` cities cold (``profiles``: only the first so many profiles) and
    measure it: wall and CPU time of the whole run (the CPU of every process it started), per-report
    execute times from the manifests, the largest process's peak memory and the page weights."""
    from tools.synth_suite import write_suite

    data, params = data_params or write_suite(n, work / f"suite-{n}", profiles=profiles)
    out = work / f"suite-{n}-{backend}"
    cmd = [PY, "-m", "compare", "render", *map(str, params), "--data", str(data), "--out", str(out), "--jobs",
           str(jobs), "--quiet", "--force", *(["--backend", backend] if backend != "local" else [])]
    cpu0, _ = _children_usage()
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu1, peak = _children_usage()
    per: dict[str, list[float]] = {"theme": [], "overview": [], "profile": []}
    weights: dict[str, list[int]] = {"theme": [], "overview": [], "profile": []}
    failed = []
    for p in params:
        folder = out / p.stem
        kind = "profile" if p.stem.startswith("profile-") else "overview" if p.stem == "overview" else "theme"
        try:
            m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            per[kind].append(float(m["timings"]["execute"]))
            weights[kind].append((folder / "report.html").stat().st_size)
        except (OSError, ValueError, KeyError):
            failed.append(p.stem)
    pages = sorted((out / "indicators").glob("*.html")) if (out / "indicators").is_dir() else []

    def med(xs):
        return statistics.median(xs) if xs else None

    return {"cities": n, "backend": backend, "jobs": jobs, "reports": len(params), "exit": proc.returncode,
            # CPU of the processes the run waited for: kernels started by papermill are not among them, so this
            # is not the suite's CPU time (kept in the JSON for what it is; not printed)
            "failed": failed, "wall_s": wall, "cpu_waited_s": cpu1 - cpu0, "peak_process_mb": peak,
            "load_average_before": load0, "load_average_after": os.getloadavg()[0],
            "output_tail": (proc.stdout + proc.stderr).strip().splitlines()[-6:],
            "execute_median_s": {k: med(v) for k, v in per.items()},
            "execute_max_s": {k: max(v) if v else None for k, v in per.items()},
            "page_mb_max": {k: max(v) / 1e6 if v else None for k, v in weights.items()},
            "indicator_pages": len(pages), "indicator_page_mb_max": max((p.stat().st_size for p in pages), default=0) / 1e6}


def suite_report(points: list[dict]) -> list[str]:
    """Lines of the many-city table: per report kind, execute time and page weight against the cities."""
    lines = ["many-city suites (synthetic; cold; theme reports, overview, a profile per city, indicator pages):"]
    base = next((p for p in points if p["cities"] == 5 and p["backend"] == "local"), None)
    for p in points:
        ex, w = p["execute_median_s"], p["page_mb_max"]
        ratio = ""
        if base and p is not base:
            ratio = "  vs 5: " + ", ".join(f"{k} {ex[k] / base['execute_median_s'][k]:.2f}x" for k in ex
                                          if ex[k] and base["execute_median_s"].get(k))
        lines.append(f"  {p['cities']:4d} cities {p['backend']:5s} --jobs {p['jobs']}: {p['reports']} reports in "
                     f"{p['wall_s'] / 60:6.1f} min wall; exit {p['exit']}"
                     f"{' FAILED ' + ','.join(p['failed'][:5]) if p['failed'] else ''}; load {p['load_average_before']:.1f}"
                     f"->{p['load_average_after']:.1f}; peak of the driver's waited children {p['peak_process_mb']:.0f} MB")
        lines.append("        execute median " + ", ".join(f"{k} {v:.1f} s" for k, v in ex.items() if v)
                     + "; largest page " + ", ".join(f"{k} {v:.2f} MB" for k, v in w.items() if v)
                     + f"; indicator pages {p['indicator_pages']} (largest {p['indicator_page_mb_max']:.2f} MB)" + ratio)
    return lines


def brief_kit_time(work: Path, repeats: int = 5) -> float:
    from compare.report.brief import export_kit
    from compare.data import load

    ds = load()
    export_kit(ds, comparison="beds", indicator="nursing_bed_share", out=work / "warm")  # warm-up
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        export_kit(ds, comparison="beds", indicator="nursing_bed_share", out=work / f"kit-{i}")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine() -> dict:
    import psutil

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "processor": platform.processor() or platform.machine()}


def _outputs(out: Path) -> dict[str, dict[str, bytes]]:
    """{stem: {relative path: bytes}} of the published tables/, figures/ and page of every report."""
    res = {}
    for link in sorted(p for p in out.iterdir() if p.is_symlink() and p.name != "data"):
        root = link.resolve()
        res[link.name] = {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*"))
                          if f.is_file() and (f.name == "report.html" or f.parent.name in ("tables", "figures"))}
    return res


def change_one_value(path: Path, row_id: str) -> None:
    """Add 1 to the value of one row, and write the new number in its quote (the quote must state it)."""
    import csv
    import io

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = {c: j for j, c in enumerate(rows[0])}
    row = next(r for r in rows if r[col["id"]] == row_id)
    old = row[col["value"]]
    new = f"{float(old) + 1:g}"
    row[col["quote"]] = row[col["quote"]].replace(f"{float(old):g}", new)
    row[col["value"]] = new
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _rendered(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines()[1:-1] if line.split()[1:2] == ["ok"]]


def run(quick: bool = False, suites: tuple[int, ...] = (5, 60, 330), suite_only: bool = False,
        profiles: int | None = None) -> dict:
    from compare.render import available_cores

    work = Path(tempfile.mkdtemp(prefix="compare-bench-"))
    try:
        jobs = available_cores()
        res: dict = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "quick": quick,
                     "load_average_at_start": list(os.getloadavg()), "jobs": jobs}
        n_reports = len(list(paths.PARAMS.glob("*.yaml")))
        res["reports"] = n_reports
        if suite_only:
            return {**res, **_suites(work, suites, profiles, quick), "load_average_at_end": list(os.getloadavg())}
        out = work / "reports"
        res["naive_loop_s"] = naive_loop(work / "naive")
        res["cold_jobs1_s"] = _run(_render_cmd(work / "cold1", "--jobs", "1"))
        res["cold_s"] = _run(_render_cmd(out))  # what `make reports` runs: --jobs = the cores available
        res["warm_unchanged_s"] = _run(_render_cmd(out))
        data = work / "data"
        shutil.copytree(paths.DATA, data)
        # same content in another folder: every report is a cache hit (keys hash content, not paths)
        res["warm_copied_data_s"] = _run(_render_cmd(out, data=data))
        before = _outputs(out)
        change_one_value(data / "indicators.csv", "baoshan-nursing_bed_share-2026-target")
        t0 = time.perf_counter()
        proc = subprocess.run(_render_cmd(out, data=data), capture_output=True, text=True)
        res["one_value_changed_s"] = time.perf_counter() - t0
        rerendered = _rendered(proc.stdout)
        after = _outputs(out)
        res["one_value_changed_rerendered"] = rerendered
        # whose output changed: any published file; and, apart from the page (whose header states the
        # data version), whose tables or figures changed
        res["one_value_output_changed"] = sorted(s for s in after if after[s] != before.get(s))
        res["one_value_tables_or_figures_changed"] = sorted(
            s for s in after if {k: v for k, v in after[s].items() if k != "report.html"}
            != {k: v for k, v in before.get(s, {}).items() if k != "report.html"})
        # floor: papermill executing an empty parameterised notebook
        empty = work / "empty.ipynb"
        empty.write_text(json.dumps(_EMPTY_NB))
        floors = [_run([str(BIN / "papermill"), str(empty), str(work / "empty-out.ipynb"), "-p", "x", "2"])
                  for _ in range(1 if quick else 3)]
        res["floor_empty_papermill_s"] = statistics.median(floors)
        res["per_report_s"] = res["cold_jobs1_s"] / n_reports
        res["scale"] = [scale_point(n, work) for n in ((5, 50) if quick else (5, 50, 300))]
        res["brief_kit_s"] = brief_kit_time(work)
        res.update(_suites(work, suites, profiles, quick))
        res["load_average_at_end"] = list(os.getloadavg())
        base = res["scale"][0]
        res["ratios"] = {
            "cold_vs_naive": res["cold_s"] / res["naive_loop_s"],
            "cold_jobs1_vs_naive": res["cold_jobs1_s"] / res["naive_loop_s"],
            "warm_vs_cold": res["warm_unchanged_s"] / res["cold_s"],
            "one_value_vs_cold": res["one_value_changed_s"] / res["cold_s"],
            "per_report_vs_floor": res["per_report_s"] / res["floor_empty_papermill_s"],
            **{f"scale_{p['cities']}_vs_5_work": p["work_s"] / base["work_s"] for p in res["scale"]},
            **{f"scale_{p['cities']}_vs_5_wall": p["wall_s"] / base["wall_s"] for p in res["scale"]},
        }
        res["targets"] = {
            "cold <= 0.4x naive": res["ratios"]["cold_vs_naive"] <= 0.4,
            "warm unchanged <= 2% of cold": res["ratios"]["warm_vs_cold"] <= 0.02,
            "one value re-renders exactly the reports whose output changes":
                sorted(rerendered) == res["one_value_output_changed"],
            "300 cities work <= 2x 5-city": res["scale"][-1]["work_s"] <= 2 * base["work_s"],
            "300 cities peak memory < 1 GB": res["scale"][-1]["peak_mb"] < 1024,
            "brief kit <= 0.5 s": res["brief_kit_s"] <= 0.5,
        }
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _suites(work: Path, sizes: tuple[int, ...], profiles: int | None, quick: bool) -> dict:
    """The many-city points: each size cold with --jobs 2, and the largest again on a local Dask cluster."""
    from tools.synth_suite import write_suite

    points = []
    for n in sizes:
        made = write_suite(n, work / f"suite-{n}", profiles=profiles)
        points.append(suite_point(n, work, data_params=made))
        if n == max(sizes) and not quick:
            points.append(suite_point(n, work, backend="dask", data_params=made))
    big = max(points, key=lambda p: (p["cities"], p["backend"] == "local"))
    local = [p for p in points if p["backend"] == "local" and p["cities"] == big["cities"]]
    return {"suites": points, "suite_targets": {
        f"{big['cities']}-city suite <= 20 min on two cores": bool(local) and local[0]["wall_s"] <= 20 * 60
        and not local[0]["failed"],
        "pages <= 2.5 MB at the largest point": all((v or 0) <= 2.5 for p in points if p["cities"] == big["cities"]
                                                    for v in p["page_mb_max"].values()),
        "execute at 60 cities <= 2x five": all(
            (p["execute_median_s"][k] or 0) <= 2 * (b["execute_median_s"][k] or float("inf"))
            for p in points if p["cities"] == 60 and p["backend"] == "local"
            for b in points if b["cities"] == 5 and b["backend"] == "local" for k in p["execute_median_s"])}}


def report(res: dict) -> str:
    if "ratios" not in res:  # --suite-only
        return "\n".join(suite_report(res["suites"]) + ["targets: " + "; ".join(
            f"{k}: {'met' if v else 'MISSED'}" for k, v in res["suite_targets"].items())])
    r = res["ratios"]
    lines = [
        f"machine: {res['machine']['cpus']} CPUs, {res['machine']['memory_gb']} GB, Python {res['machine']['python']}; "
        f"load average {res['load_average_at_start'][0]:.1f} at start, {res['load_average_at_end'][0]:.1f} at end",
        f"suite of {res['reports']} reports",
        f"naive loop (papermill + nbconvert each)   {res['naive_loop_s']:8.2f} s   (reference)",
        f"cold render, --jobs 1                     {res['cold_jobs1_s']:8.2f} s   {res['cold_jobs1_s'] / res['naive_loop_s']:.2f}x naive",
        f"cold render, --jobs {res['jobs']} (make reports)      {res['cold_s']:8.2f} s   {r['cold_vs_naive']:.2f}x naive   (target <= 0.4x)",
        f"warm re-render, nothing changed           {res['warm_unchanged_s']:8.2f} s   {r['warm_vs_cold'] * 100:.1f}% of cold   (target <= 2%)",
        f"one value changed (baoshan)               {res['one_value_changed_s']:8.2f} s   {r['one_value_vs_cold']:.2f}x cold",
        f"  re-rendered ({len(res['one_value_changed_rerendered'])}): {', '.join(sorted(res['one_value_changed_rerendered']))}",
        f"  output changed ({len(res['one_value_output_changed'])}): {', '.join(res['one_value_output_changed'])}",
        f"  tables or figures changed ({len(res['one_value_tables_or_figures_changed'])}): "
        f"{', '.join(res['one_value_tables_or_figures_changed'])}",
        f"per report (cold, jobs 1)                 {res['per_report_s']:8.2f} s   {r['per_report_vs_floor']:.2f}x floor",
        f"floor: papermill on an empty notebook     {res['floor_empty_papermill_s']:8.2f} s   (reference)",
        f"brief kit (PNG+SVG+HTML+caption+CSV)      {res['brief_kit_s']:8.3f} s   (target <= 0.5 s)",
        "scale: load + validate + every comparison, fresh process each",
    ]
    for p in res["scale"]:
        work_ratio = r["scale_%d_vs_5_work" % p["cities"]]
        wall_ratio = r["scale_%d_vs_5_wall" % p["cities"]]
        lines.append(f"  {p['cities']:4d} cities {p['rows']:6d} rows   work {p['work_s']:6.2f} s "
                     f"({work_ratio:.2f}x)   wall {p['wall_s']:6.2f} s ({wall_ratio:.2f}x)   peak {p['peak_mb']:6.0f} MB")
    lines.append("targets: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in res["targets"].items()))
    if res.get("suites"):
        lines += suite_report(res["suites"])
        lines.append("suite targets: " + "; ".join(f"{k}: {'met' if v else 'MISSED'}"
                                                   for k, v in res["suite_targets"].items()))
    return "\n".join(lines)


def bench_cli(args) -> int:
    suites = tuple(n for n in args.suites if not args.quick or n <= 60)
    res = run(quick=args.quick, suites=suites, suite_only=args.suite_only,
              profiles=args.profiles if args.profiles is not None or not args.quick else 2)
    print(report(res))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/bench.json"))
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller scales")
    parser.add_argument("--suites", type=int, nargs="*", default=[5, 60, 330],
                        help="cities of the synthetic suites rendered (default 5 60 330; none: leave them out)")
    parser.add_argument("--suite-only", action="store_true", help="only the synthetic suites")
    parser.add_argument("--profiles", type=int, default=None,
                        help="render only the first N profiles of each synthetic suite (default: every city)")
    return bench_cli(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
