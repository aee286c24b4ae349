# JupyterLab server settings for `make lab` (passed with --config; see docs/lab.md).
# Notebooks under notebooks/ are saved without outputs; working copies under work/ keep theirs.
from compare.lab import pre_save_hook

c = get_config()  # noqa: F821 - provided by the Jupyter config loader
c.ContentsManager.pre_save_hook = pre_save_hook
