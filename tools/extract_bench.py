"""Benchmark of ``compare extract`` on large plans: time per MB at two sizes.

A plan of the wanted size is made by joining the five captures of the seeds folder (page markers removed,
so each copy reads as the prose and tables it holds) as many times as needed; each copy keeps its headings,
tables and sentences, so the work per MB is what a long real plan asks. Each size is read once in a fresh
process with the codebook of ``data/``. CPU time per MB that stays flat from the smaller size to the larger is
linear time; time per MB that grows with the size is not (CPU time, printed beside wall time, is the figure to
compare on a shared machine). Figures are printed, never asserted.

    python -m tools.extract_bench                    # 1.2 MB and 5 MB
    python -m tools.extract_bench --sizes 0.6 2.4    # other sizes, in MB
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from compare import paths

_RUN = r"""
import json, resource, sys, time
from compare.data import load_codebook
from compare.extract import extract_text
text = open(sys.argv[1], encoding="utf-8").read()
from compare import paths
book = load_codebook(paths.DATA)
t0, c0 = time.perf_counter(), time.process_time()
cands = extract_text(text, city="bench", source_id="bench", period=(2021, 2025), codebook=book)
t1, c1 = time.perf_counter(), time.process_time()
print(json.dumps({"seconds": t1 - t0, "cpu_seconds": c1 - c0, "candidates": len(cands),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_plan(size_mb: float, seeds: Path) -> str:
    """The five captures joined, repeated up to ``size_mb`` megabytes of UTF-8."""
    from compare.data.provenance import paged_text, strip_page_markers

    parts = []
    for f in sorted(seeds.glob("0*.txt")):
        t = f.read_text(encoding="utf-8")
        parts.append(strip_page_markers(t)[0] if paged_text(t) else t)
    if not parts:
        raise SystemExit(f"{seeds}: no captures (0*.txt) found; pass --sources DIR")
    one = "\n\n".join(parts)
    want = int(size_mb * 1024 * 1024)
    reps = want // len(one.encode("utf-8")) + 1
    text = "\n\n".join([one] * reps)
    return text.encode("utf-8")[:want].decode("utf-8", errors="ignore")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1.2, 5.0], help="plan sizes in MB")
    ap.add_argument("--sources", type=Path, default=paths.SEEDS, help="folder of the five captures")
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON here too")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes:
            plan = Path(tmp) / f"plan-{mb}.txt"
            plan.write_text(make_plan(mb, Path(args.sources)), encoding="utf-8")
            out = subprocess.run([sys.executable, "-c", _RUN, str(plan)], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            r.update(size_mb=mb, seconds_per_mb=r["seconds"] / mb, cpu_seconds_per_mb=r["cpu_seconds"] / mb)
            rows.append(r)
            print(f"{mb:>5.1f} MB: {r['seconds']:7.1f} s wall, {r['cpu_seconds']:7.1f} s CPU, "
                  f"{r['cpu_seconds_per_mb']:6.2f} s CPU per MB, {r['candidates']} candidates, peak {r['peak_mb']:.0f} MB",
                  flush=True)
    if len(rows) > 1:
        print(f"CPU time per MB, largest over smallest: "
              f"{rows[-1]['cpu_seconds_per_mb'] / rows[0]['cpu_seconds_per_mb']:.2f} (1 is linear)")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
