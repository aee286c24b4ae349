"""The cache key of a report: a hash of everything its published output depends on.

One key, computed without pandas, from bytes:
- the params file, as written (a comment change re-renders too: cheap and certainly sound);
- the notebook it names;
- the package's code and templates;
- the versions of Python and the libraries that draw the output;
- the fingerprint of the whole data snapshot the run reads (every file below ``data/``).

Why the whole data folder and not the slice a report seems to read: every page states the
data version it was made from, and reports read across cities (peers, conflicts, coverage),
so a slice guessed from the params file published stale reports. See docs/rendering.md.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


from .. import __version__, paths
from ..files import params_mapping, resolve_notebook

#: Libraries whose version can change what a report shows.
LIBS = ("papermill", "nbconvert", "nbclient", "nbformat", "pandas", "numpy", "matplotlib", "seaborn",
        "pyecharts", "pandera", "jinja2", "pyyaml")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_hash() -> str:
    """Hash of the package's code, templates and vendored files (a change re-renders every report)."""
    h = hashlib.sha256()
    for p in sorted(paths.PACKAGE.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",):
            h.update(str(p.relative_to(paths.PACKAGE)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0], "compare": __version__}
    for lib in LIBS:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "missing"
    return out


def notebook_of(params_path: Path) -> Path | None:
    """The notebook a params file names (resolved), or None when the file cannot say."""
    data = params_mapping(params_path)
    name = data.get("notebook") if data else None
    if not isinstance(name, str):
        return None
    nb = resolve_notebook(name, Path(params_path))
    return nb if nb.is_file() else None


def cache_key(params_path: Path, data_fingerprint: str, pkg_hash: str, vers: dict) -> tuple[str, dict]:
    """(key, parts) of one report; key is '' when the params file or its notebook cannot be read."""
    nb = notebook_of(params_path)
    if nb is None:
        return "", {}
    parts = {
        "params": sha(Path(params_path).read_bytes()),
        "notebook": sha(nb.read_bytes()),
        "package": pkg_hash,
        "data": data_fingerprint,
        "versions": sha(json.dumps(vers, sort_keys=True).encode()),
    }
    return sha(json.dumps(parts, sort_keys=True).encode()), parts
