"""How long the tests take from a fresh clone, set-up included: the figures behind the targets of
docs/performance.md (``make test`` at most 300 s with set-up, the quick set at most 60 s).

It clones the committed HEAD of this repository into a temporary folder (``../shared`` is linked beside
it, as CI has it), runs ``make test`` there (creating the virtual environment and installing the project
first, as a new user's machine does) and then ``make quicktest``, and prints the wall-clock seconds of
each with the target. ``--keep`` leaves the clone for a look; ``--out FILE`` writes the figures as JSON.

    python -m tools.testtime [--out reports/testtime.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"make test (fresh clone, set-up included)": 300.0, "make quicktest": 60.0}


def _timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-3:])
    return time.perf_counter() - start, res.returncode, tail


def run(keep: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="testtime-"))
    clone = tmp / "clone"
    try:
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
        shared = ROOT.parent / "shared"
        if shared.exists():
            os.symlink(shared, tmp / "shared")
        out = {"commit": subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True).stdout.strip(),
               "cores": os.cpu_count(), "runs": []}
        for name, cmd in (("make test (fresh clone, set-up included)", ["make", "test"]),
                          ("make quicktest", ["make", "quicktest"])):
            seconds, code, tail = _timed(cmd, clone)
            out["runs"].append({"name": name, "seconds": round(seconds, 1), "exit": code, "target": TARGETS[name],
                                "met": code == 0 and seconds <= TARGETS[name], "tail": tail})
        return out
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def report(res: dict) -> str:
    lines = [f"commit {res['commit']}, {res['cores']} cores"]
    for r in res["runs"]:
        verdict = "met" if r["met"] else ("FAILED (exit %d)" % r["exit"] if r["exit"] else "missed")
        lines.append(f"{r['name']:<42} {r['seconds']:7.1f} s   target {r['target']:.0f} s   {verdict}")
        lines.append(f"    {r['tail'].splitlines()[-1] if r['tail'] else ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    args = ap.parse_args(argv)
    res = run(keep=args.keep)
    print(report(res))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0 if all(r["exit"] == 0 for r in res["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
