"""Read and validate ``params/*.yaml`` against the notebook's parameters and the dataset.

Runs before any kernel starts. Every problem names the params file, the line, the key and
what was expected. YAML is loaded with the safe loader: params are data, never code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .. import paths
from ..data import Dataset
from ..errors import ParamsError, Problem
from ..files import display_path as _rel
from ..files import resolve_notebook
from ..vocab import KIND_CHOICES as KINDS, LANGS

#: Keys the renderer injects itself; a params file may not set them.
RESERVED = {"data_dir", "artifacts_dir"}
#: Keys the renderer reads itself; they are not passed to the notebook.
RENDERER_KEYS = {"notebook", "description"}
#: Names the output folder uses itself (see render/folder.py); a report may not be called so.
RESERVED_STEMS = {"failed", "index.html", "data", "_builds", "indicators", "downloads"}  # folders of the output
_STEM = re.compile(r"[^\W_][\w.-]*")

_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list,), "dict": (dict,)}


@dataclass
class ParamsFile:
    """A validated params file: which notebook, with which parameter values."""

    path: Path
    stem: str
    notebook: Path
    parameters: dict
    text: str
    constraints: dict = field(default_factory=dict)
    description: str = ""  # one line: what the report answers (shown on the landing page)

    @property
    def title(self) -> str:
        return str(self.parameters.get("title", self.stem))


#: Environment variable through which the renderer hands its kernels the inspections it already made
#: (see :func:`share_inspection`): notebook path -> sha256 of its bytes, parameters, metadata.
INSPECTIONS_ENV = "COMPARE_NOTEBOOK_INSPECTIONS"


@lru_cache(maxsize=64)
def _inspect(nb_path: str, mtime: float) -> tuple[dict, dict]:
    import nbformat
    import papermill

    params = papermill.inspect_notebook(nb_path)
    meta = nbformat.read(nb_path, as_version=4).metadata.get("compare", {})
    return params, meta


def _shared(nb_path: Path) -> tuple[dict, dict] | None:
    """The renderer's inspection of this very file (same bytes), if it handed one over."""
    import hashlib
    import json
    import os

    raw = os.environ.get(INSPECTIONS_ENV)
    if not raw:
        return None
    try:
        entry = json.loads(raw).get(str(nb_path.resolve()))
        if entry and entry["sha256"] == hashlib.sha256(nb_path.read_bytes()).hexdigest():
            return entry["parameters"], entry["compare"]
    except (ValueError, KeyError, TypeError, OSError, AttributeError):
        pass  # anything unexpected: inspect the notebook instead
    return None


def notebook_parameters(nb_path: Path) -> tuple[dict, dict]:
    """The notebook's declared parameters (papermill's inspection) and its ``compare`` metadata.

    Inside a kernel the renderer started, its own inspection of the same bytes is used: importing
    papermill (nbformat, jsonschema) costs a kernel more than a second."""
    return _shared(nb_path) or _inspect(str(nb_path), nb_path.stat().st_mtime)


def share_inspection(nb_path: Path) -> None:
    """Hand the inspection of ``nb_path`` to kernels started from this process (environment variable)."""
    import hashlib
    import json
    import os

    nb_path = Path(nb_path).resolve()
    params, meta = _inspect(str(nb_path), nb_path.stat().st_mtime)
    os.environ[INSPECTIONS_ENV] = json.dumps({str(nb_path): {
        "sha256": hashlib.sha256(nb_path.read_bytes()).hexdigest(), "parameters": params, "compare": meta}})


def _key_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key, from the YAML node tree."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _duplicate_keys(text: str) -> list[tuple[str, int]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    seen, dups = set(), []
    for k, _ in node.value:
        if isinstance(k, yaml.ScalarNode):
            if k.value in seen:
                dups.append((k.value, k.start_mark.line + 1))
            seen.add(k.value)
    return dups


def load_params(path: Path, ds: Dataset) -> ParamsFile:
    """Read and validate one params file; raise ParamsError listing every problem."""
    path = Path(path)
    name = _rel(path)
    if not path.exists():
        raise ParamsError([Problem(name, None, None, "params file not found")])
    if path.suffix not in (".yaml", ".yml"):
        raise ParamsError([Problem(name, None, None, "expected a .yaml params file")])
    if not _STEM.fullmatch(path.stem) or path.stem in RESERVED_STEMS:
        # the stem names the report's folder under the output folder: it must stay a plain name there
        raise ParamsError([Problem(name, None, None,
            f"report name {path.stem!r} (the file name without .yaml) must start with a letter or digit, "
            "hold only letters, digits, '_', '-' and '.', and not be " + " or ".join(sorted(RESERVED_STEMS)))])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ParamsError([Problem(name, line, None, "not valid UTF-8; save the file as UTF-8")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        context = getattr(err, "context", None)
        start = getattr(err, "context_mark", None)
        if context and start and mark and start.line != mark.line:
            context += f" that starts on line {start.line + 1}"
        if isinstance(err, yaml.constructor.ConstructorError):
            # e.g. !!python/object: the safe loader builds plain data only
            context = "params are plain data; tags such as !!python/object are not allowed"
        msg = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        raise ParamsError([Problem(name, mark.line + 1 if mark else None, None, msg)]) from None
    if data is None:
        raise ParamsError([Problem(name, 1, None, "file is empty; expected a mapping with at least notebook, title, cities")])
    if not isinstance(data, dict):
        raise ParamsError([Problem(name, 1, None, f"expected a mapping of keys to values, found a {type(data).__name__}")])
    lines = _key_lines(text)
    problems: list[Problem] = []
    at = lambda key: lines.get(str(key))  # noqa: E731
    for key, line in _duplicate_keys(text):
        problems.append(Problem(name, line, key, "key appears more than once; the later value would silently win"))
    for key in ("notebook", "title", "cities"):
        if key not in data:
            problems.append(Problem(name, None, key, "required key is missing"))
    nb_value = data.get("notebook")
    if "notebook" in data and not isinstance(nb_value, str):
        problems.append(Problem(name, at("notebook"), "notebook", f"expected a notebook file name (str), got {type(nb_value).__name__}"))
        nb_value = None
    if problems and not nb_value:
        raise ParamsError(problems)
    nb_path = resolve_notebook(nb_value, path)
    if not nb_path.is_file():
        known = sorted(p.name for p in paths.NOTEBOOKS.glob("*.ipynb"))
        close = difflib.get_close_matches(nb_value, known, n=1)
        raise ParamsError(problems + [Problem(name, at("notebook"), "notebook",
            f"notebook {nb_value!r} not found in notebooks/" + (f" (did you mean {close[0]!r}?)" if close else f"; available: {', '.join(known)}"))])
    declared, constraints = notebook_parameters(nb_path)
    description = data.get("description", "")
    if "description" in data and (not isinstance(description, str) or not description.strip()
                                  or len(description) > 300 or "\n" in description.strip()):
        problems.append(Problem(name, at("description"), "description",
            "expected one line of text (at most 300 characters) saying what the report answers"))
        description = ""
    params = {k: v for k, v in data.items() if k not in RENDERER_KEYS}
    for key in params:
        if str(key) in RESERVED:
            problems.append(Problem(name, at(key), str(key), "is set by the renderer; remove it from the params file"))
    problems += check_values(name, {k: v for k, v in params.items() if str(k) not in RESERVED}, declared,
                             constraints, ds, at=at, notebook=nb_path.name, accepts="notebook, description, ")
    if problems:
        raise ParamsError(problems)
    return ParamsFile(path=path.resolve(), stem=path.stem, notebook=nb_path, parameters=params, text=text,
                      constraints=constraints, description=description.strip())


def check_values(name: str, params: dict, declared: dict, constraints: dict, ds: Dataset, *, at=lambda key: None,
                 notebook: str = "", accepts: str = "") -> list[Problem]:
    """Problems with ``params`` against a notebook's declared parameters and the dataset.

    What the renderer checks for a params file and a notebook checks on itself
    (:func:`check_notebook`): unknown keys, types, cities (with a suggestion), the notebook's
    constraints (a profile takes one city), indicators, theme, lang, kind, year, title.
    """
    problems: list[Problem] = []
    for key, value in params.items():
        key_s = str(key)
        if key_s not in declared:
            close = difflib.get_close_matches(key_s, list(declared) + sorted(RENDERER_KEYS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(Problem(name, at(key), key_s,
                f"unknown key; {hint}{notebook} accepts: {accepts}" + ", ".join(k for k in declared if k not in RESERVED)))
            continue
        type_name = declared[key_s].get("inferred_type_name", "None")
        want = _TYPES.get(type_name)
        if want and (not isinstance(value, want) or (isinstance(value, bool) and bool not in want)):
            problems.append(Problem(name, at(key), key_s,
                f"expected {type_name}, got {type(value).__name__} {value!r}"))
            continue
        problems.extend(_check_value(name, at(key), key_s, value, ds, constraints))
    return problems


def check_notebook(notebook: str, namespace: dict) -> None:
    """Validate a notebook's parameters as they stand when it runs; raise ParamsError like the renderer.

    Called right after the parameters cell, so a value typed in JupyterLab gets the renderer's
    message (an unknown city with a suggestion, a profile given two cities) instead of a
    KeyError deep in a later cell::

        from compare.params import check_notebook; check_notebook("profile.ipynb", globals())

    ``notebook`` names the source notebook in notebooks/ (its declared parameters and
    constraints apply to working copies too); ``namespace`` holds the parameter values.
    """
    from ..data import load

    nb_path = resolve_notebook(notebook, paths.NOTEBOOKS / notebook)
    if not nb_path.is_file():
        raise ParamsError([Problem(notebook, None, None, "notebook not found in notebooks/")])
    declared, constraints = notebook_parameters(nb_path)
    values = {k: namespace[k] for k in declared if k in namespace and k not in RESERVED}
    name = f"{nb_path.name} parameters"
    missing = [k for k in declared if k not in namespace]
    problems = [Problem(name, None, k, "parameter not defined; run the parameters cell first") for k in missing]
    ds = load(namespace.get("data_dir") or None)
    problems += check_values(name, values, declared, constraints, ds, notebook=nb_path.name)
    if problems:
        raise ParamsError(problems)


def _check_value(name: str, line, key: str, value, ds: Dataset, constraints: dict) -> list[Problem]:
    out = []
    p = lambda msg: out.append(Problem(name, line, key, msg))  # noqa: E731
    if key == "cities":
        if not value and not constraints.get("empty_cities_means_all"):
            p("expected at least one city key")
        bad = [c for c in value if not isinstance(c, str) or c not in ds.city_order]
        for c in bad:
            close = difflib.get_close_matches(str(c), ds.city_order, n=1)
            p(f"unknown city {c!r}" + (f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(ds.city_order)}"))
        if len(set(map(str, value))) != len(value):
            p("a city is listed twice")
        most = constraints.get("max_cities")
        if most and len(value) > most:
            p(f"this notebook profiles {most} city; got {len(value)}")
    elif key == "peers":  # a profile's peer charts: a list of city keys, or "same province"
        if isinstance(value, str):
            if value != "same province":
                p(f"expected a list of city keys or \"same province\", got {value!r}")
        elif not isinstance(value, list):
            p(f"expected a list of city keys or \"same province\", got {type(value).__name__} {value!r}")
        else:
            for c in value:
                if not isinstance(c, str) or c not in ds.city_order:
                    close = difflib.get_close_matches(str(c), ds.city_order, n=1)
                    p(f"unknown city {c!r}" + (f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(ds.city_order)}"))
            if len(set(map(str, value))) != len(value):
                p("a city is listed twice")
    elif key == "indicators":
        known = ds.codebook["indicators"]
        for k in value:
            if not isinstance(k, str) or k not in known:
                close = difflib.get_close_matches(str(k), list(known), n=1)
                p(f"unknown indicator {k!r}" + (f" (did you mean {close[0]!r}?)" if close else "; see data/codebook.yaml"))
    elif key == "indicator" and value:
        known = ds.codebook["indicators"]
        if value not in known:
            close = difflib.get_close_matches(str(value), list(known), n=1)
            p(f"unknown indicator {value!r}" + (f" (did you mean {close[0]!r}?)" if close else "; see data/codebook.yaml"))
    elif key in ("theme", "comparison") and value:  # empty: not used
        known = list(ds.codebook.get("themes", {})) if key == "theme" else list(ds.comparisons)
        if value not in known:
            close = difflib.get_close_matches(str(value), known, n=1)
            p(f"unknown {key} {value!r}" + (f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"))
    elif key == "lang" and value not in LANGS:
        p(f"expected one of {', '.join(LANGS)}, got {value!r}")
    elif key == "kind" and value not in KINDS:
        p(f"expected one of {', '.join(KINDS)}, got {value!r}")
    elif key == "year" and value != 0 and not 2000 <= value <= 2050:
        p(f"expected 0 (latest) or a year 2000-2050, got {value!r}")
    elif key == "title" and (not value.strip() or len(value) > 200):
        p("expected a non-empty title of at most 200 characters")
    return out
