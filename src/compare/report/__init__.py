"""The report layer: what a report notebook calls, and the brief kit. Imports ``viz``, ``analysis``,
``data`` and the base.

- ``page``       :class:`Page`: headings, narrative, tables and figures as notebook output
- ``artifacts``  the report's files: tables/*.csv, figures/*.png and .svg, written atomically
- ``tables``     a comparison table as a reader reads it (columns, short sources, value labels)
- ``theme``      sections of theme reports and the overview (answers, indicators, coverage, conflicts)
- ``profile``    sections of city profiles (ratios, baselines against targets, peers)
- ``brief``      a brief kit: one figure as PNG, SVG, offline HTML, CSV and caption

``Report`` is a page with both kinds of section: one object per notebook, one call per cell.
"""

from .page import Page
from .profile import ProfileSections
from .tables import _safe_name, display_frame  # noqa: F401  (_safe_name: tests), short_source, stated_by
from .theme import ThemeSections


class Report(ProfileSections, ThemeSections, Page):
    """One report being built: a page with the sections of theme reports and of city profiles."""


__all__ = ["Report", "Page", "display_frame", "short_source", "stated_by"]
