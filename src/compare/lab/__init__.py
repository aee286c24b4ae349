"""Working in JupyterLab: the explorer and working copies. Imports ``report``, ``viz``, ``analysis``,
``data`` and the base.

- ``explorer``  ipywidgets controls over one comparison, its table, chart and brief kit
- ``copies``    working copies under ``work/``, output stripping on save, the nbstripout git filter

``python -m compare lab copy NAME`` and ``python -m compare lab git-filter`` are the commands
(``python -m compare.lab ...`` is the same).
"""

from .copies import SOURCE_FOLDERS, WORK, configure_git, git_filter_config, pre_save_hook, working_copy

__all__ = ["working_copy", "pre_save_hook", "git_filter_config", "configure_git", "WORK", "SOURCE_FOLDERS"]
