"""pyproject.toml and environment.yml must list the same packages at the same versions."""

import re
import tomllib

import yaml

from compare import paths


def _spec(s: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:==\s*([^\s;#]+))?", s)
    return m.group(1).lower().replace("_", "-"), m.group(2) or ""


def test_environment_matches_pyproject():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_spec(d) for d in project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(_spec(d) for d in extra)
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    have = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            have.update(_spec(d) for d in dep["pip"])
        else:
            name, version = _spec(dep)
            if name not in ("python", "pip"):
                have[name] = version
    assert have == wanted


def test_every_dependency_is_pinned():
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"]:
        assert "==" in dep, f"{dep} is not pinned"
