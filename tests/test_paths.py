"""The project folder comes from a setting or the working directory, so a non-editable install works."""

import os
import shutil
import subprocess
import sys

from compare import paths


def _root(cwd, **env):
    environ = {k: v for k, v in os.environ.items() if k != "COMPARE_ROOT"} | env
    code = "from compare import paths; print(paths.ROOT)"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environ, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_working_directory_or_a_parent_holding_data_is_the_project(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    shutil.copy(paths.DATAPACKAGE, project / "data")
    (project / "params" / "sub").mkdir(parents=True)
    assert _root(project) == str(project)
    assert _root(project / "params" / "sub") == str(project)


def test_the_setting_wins(tmp_path):
    assert _root(tmp_path, COMPARE_ROOT=str(tmp_path / "elsewhere")) == str(tmp_path / "elsewhere")


def test_outside_any_project_the_source_checkout_is_used(tmp_path):
    assert _root(tmp_path) == str(paths.PACKAGE.parents[1])
