"""``compare render``: options in, ``render()`` called, the summary printed; exit 1 if a report failed."""

from __future__ import annotations

from .batch import render


def render_cli(args) -> int:
    summary = render(args.params or None, data_dir=args.data, out=args.out, jobs=args.jobs, force=args.force,
                     backend=args.backend, scheduler=args.scheduler, timeout=args.timeout, quiet=args.quiet)
    print(summary.table())
    return 1 if summary.failed else 0
