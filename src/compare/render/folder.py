"""The output folder: one render at a time (flock), staging, atomic publication, clean-up.

Layout::

    <out>/index.html                 the landing page
    <out>/<stem>  -> _builds/<stem>--<token>   (relative symlink, swapped atomically)
        report.html  <stem>.ipynb  figures/  tables/  manifest.json
    <out>/data    -> _builds/data--<fingerprint>  the data the latest run read, for download
    <out>/failed/<stem>/<stem>.ipynb the last failed execution, kept for diagnosis
    <out>/.staging/                  builds and the data snapshot of the run in progress
    <out>/.render.lock               one render at a time per output folder

The notebook is named after its report, so notebooks opened side by side in JupyterLab have
tabs that tell them apart; the page keeps one name, so a published site's URLs stay stable
(browsers tell pages apart by their <title>).

Publishing is a symlink swap (``os.replace`` of a link), so a reader, a failure or a kill
sees either the previous complete report or the new complete one, never a mix.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import sys
from pathlib import Path

from ..files import atomic_write_bytes, display_path
from . import manifest
from .summary import Result

#: The link under which the data a run read is published.
DATA_LINK = "data"
#: The page of every report, ``<out>/<stem>/report.html``.
PAGE = "report.html"


def notebook_name(stem: str) -> str:
    """The file name of a report's executed notebook: ``<stem>.ipynb``."""
    return f"{stem}.ipynb"


class OutputFolder:
    def __init__(self, root: Path):
        self.root = Path(root)
        # not a dot-folder: Jupyter hides dot-paths, and <stem>.ipynb must open from its file browser
        self.builds = self.root / "_builds"
        self.staging = self.root / ".staging"
        self.failed = self.root / "failed"

    # ------------------------------------------------------------------ lock

    @contextlib.contextmanager
    def locked(self, quiet: bool = False):
        """Hold the folder's lock for the block; wait (saying for whom) if another render holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".render.lock", "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            if not quiet:
                print(f"{display_path(self.root)}: waiting for the render running as {holder} to finish",
                      file=sys.stderr, flush=True)
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield self
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    # ------------------------------------------------------------------ reading

    def link(self, stem: str) -> Path:
        return self.root / stem

    def manifest(self, stem: str) -> dict | None:
        return manifest.read(self.link(stem))

    def published(self) -> list[str]:
        """Stems of the published reports (links with a manifest)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_symlink() and p.name != DATA_LINK and (p / manifest.NAME).is_file())

    # ------------------------------------------------------------------ writing

    def new_staging(self, stem: str) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        return self.staging / f"{stem}--{os.getpid()}-{secrets.token_hex(4)}"

    def _swap_link(self, name: str, build: Path) -> None:
        link = self.root / name
        if link.exists() and not link.is_symlink():
            # a plain folder from an older layout or a manual copy: keep it as a build
            os.replace(link, self.builds / f"{name}--legacy-{secrets.token_hex(4)}")
        tmp = self.root / f".{name}.link-{secrets.token_hex(4)}"
        os.symlink(os.path.relpath(build, self.root), tmp)
        os.replace(tmp, link)

    def publish(self, stem: str, staging: Path) -> Path:
        """Move a complete build in and swap the link to it atomically; return the build path."""
        self.builds.mkdir(parents=True, exist_ok=True)
        build = self.builds / staging.name
        os.replace(staging, build)
        self._swap_link(stem, build)
        shutil.rmtree(self.failed / stem, ignore_errors=True)
        return build

    def publish_data(self, snapshot: Path, fingerprint: str) -> Path:
        """Publish the data a run read as <out>/data (a copy: the snapshot itself is removed)."""
        self.builds.mkdir(parents=True, exist_ok=True)
        build = self.builds / f"{DATA_LINK}--{fingerprint[:16]}"
        if not build.is_dir():
            tmp = self.staging / f"{DATA_LINK}-publish-{secrets.token_hex(4)}"
            shutil.copytree(snapshot, tmp)
            os.replace(tmp, build)
        if os.path.realpath(self.root / DATA_LINK) != os.path.realpath(build):
            self._swap_link(DATA_LINK, build)
        return build

    def keep_failed(self, stem: str, result: Result) -> str:
        """Keep the failed executed notebook as failed/<stem>/<stem>.ipynb; return its path ('' if none)."""
        src = Path(result.failed_notebook) if result.failed_notebook else None
        dest_dir = self.failed / stem
        shutil.rmtree(dest_dir, ignore_errors=True)
        dest_dir.mkdir(parents=True, exist_ok=True)
        (dest_dir / "error.txt").write_text(result.message + "\n", encoding="utf-8")
        kept = ""
        if src and src.exists():
            os.replace(src, dest_dir / notebook_name(stem))
            kept = str(dest_dir / notebook_name(stem))
        if result.staging:
            shutil.rmtree(result.staging, ignore_errors=True)
        return kept

    def clean(self) -> list[str]:
        """Remove what killed or earlier runs left: staging folders and unreferenced builds."""
        removed = []
        if self.staging.exists():
            for p in self.staging.iterdir():
                shutil.rmtree(p, ignore_errors=True)
                removed.append(str(p))
        live = {os.path.realpath(p) for p in self.root.iterdir() if p.is_symlink()} if self.root.exists() else set()
        if self.builds.exists():
            for p in self.builds.iterdir():
                if os.path.realpath(p) not in live:
                    shutil.rmtree(p, ignore_errors=True)
                    removed.append(str(p))
        for p in self.root.glob(".*.link-*"):
            p.unlink(missing_ok=True)
        return removed

    def write_atomic(self, name: str, text: str) -> Path:
        return atomic_write_bytes(self.root / name, text.encode("utf-8"))
