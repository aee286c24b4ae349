"""The ``lab`` command: its arguments and what it does, shared by ``python -m compare lab ...`` (the CLI
adds them as a subcommand) and ``python -m compare.lab ...`` (this layer's own entry point), so that
neither imports the layer above it."""

from __future__ import annotations

import argparse
import sys

from .. import paths
from ..errors import CompareError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``copy NAME [--force]`` and ``git-filter``, as subcommands of ``parser``."""
    lab = parser.add_subparsers(dest="lab_command", required=True)
    q = lab.add_parser("copy", help="make a working copy under work/")
    q.add_argument("name", help="a params file stem (profile-wuxi) or a notebook stem (explore)")
    q.add_argument("--force", action="store_true", help="replace an existing working copy")
    lab.add_parser("git-filter", help="configure the nbstripout git filter in this clone")


def run(args: argparse.Namespace) -> int:
    """``lab copy NAME`` (a working copy under work/, its path printed) or ``lab git-filter``."""
    from .copies import configure_git, working_copy

    if args.lab_command == "git-filter":
        configure_git()
        return 0
    try:
        out = working_copy(args.name, force=args.force)
    except FileExistsError as err:
        raise CompareError(str(err)) from None
    print(out.relative_to(paths.ROOT) if out.is_relative_to(paths.ROOT) else out)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m compare.lab ARGS``: the same as ``python -m compare lab ARGS`` (exit 1 with the message on a
    user error, no traceback)."""
    parser = argparse.ArgumentParser(prog="python -m compare.lab",
                                     description="JupyterLab helpers: working copies under work/, the notebook git filter")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except CompareError as err:
        print(str(err), file=sys.stderr)
        return 1
