"""Sphinx configuration for the numpygrad documentation (no network needed to build)."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "tools"))

import shutil  # noqa: E402

import numpygrad  # noqa: E402

# autosummary writes a page per public name into api/generated (gitignored) but never
# deletes pages of names that disappeared; start from a clean directory every build.
shutil.rmtree(DOCS / "api" / "generated", ignore_errors=True)

project = "numpygrad"
author = "the numpygrad authors"
copyright = "numpygrad authors, MIT licence"
version = release = numpygrad.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "tools"]
root_doc = "index"

# -- API reference -------------------------------------------------------------------
autosummary_generate = True
autosummary_generate_overwrite = True
autosummary_imported_members = True
autodoc_typehints = "none"  # the NumPy-style docstrings carry the types
autodoc_member_order = "bysource"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = False

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_custom_sections = []

# -- doctest -------------------------------------------------------------------------
# The doctest builder runs the ``>>>`` examples of the pages *and* of every docstring
# autodoc pulls in (they are ordinary reST doctest blocks once inserted).
doctest_global_setup = """
import numpy as np
import numpygrad as npg
npg.set_default_dtype(np.float32)
"""
doctest_test_doctest_blocks = "default"

# -- known problems in package docstrings ----------------------------------------------
# Problems that live in the package's docstrings, not in docs/, and that the docs cannot
# fix. Each entry names where to fix it; delete the entry once it is fixed (the build then
# says so if an entry no longer matches anything). They are reported in the build log as
# "known package-docstring problem" lines, never hidden silently.
#
# Warnings: (document name, text of the warning, where to fix it).
KNOWN_DOCSTRING_WARNINGS: list[tuple[str, str, str]] = []
# Docstrings whose examples fail: full name -> where to fix it. Their examples are shown
# but not run by the doctest builder.
KNOWN_FAILING_EXAMPLES: dict[str, str] = {}

# -- HTML ----------------------------------------------------------------------------
html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"numpygrad {release}"
html_theme_options = {
    "description": "Deep learning on NumPy alone, with a PyTorch-like API",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}


def _check_api_pages(app) -> None:
    """Warn (failing a ``-W`` build) when docs/api/*.rst lag behind the package's names."""
    import gen_api
    from sphinx.util import logging

    stale = gen_api.stale()
    if stale:
        names = ", ".join(p.name for p in stale)
        logging.getLogger("numpygrad.docs").warning(
            "API pages out of date with the package's public names (%s); "
            "run `python docs/tools/gen_api.py`", names)


class _KnownDocstringWarnings:
    """A log filter that turns the known package-docstring warnings into info lines."""

    def __init__(self, app) -> None:
        self.app = app
        self.seen: set[int] = set()
        self.read: set[str] = set()  # documents read in this (possibly incremental) build

    def source_read(self, app, docname, source) -> None:
        self.read.add(docname)

    def filter(self, record) -> bool:
        from sphinx.util import logging

        loc = getattr(record, "location", None)
        location = f"{loc} {getattr(loc, 'source', '')}"  # a string, a tuple or a node
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        for k, (doc, text, fix) in enumerate(KNOWN_DOCSTRING_WARNINGS):
            if text in message and (doc in location or f"{doc}.rst" in location):
                self.seen.add(k)
                logging.getLogger("numpygrad.docs").info(
                    "known package-docstring problem (not a docs/ warning): %s -- fix: %s",
                    message, fix)
                return False
        return True

    def report_unused(self, app, exception) -> None:
        from sphinx.util import logging

        for k, (doc, _text, fix) in enumerate(KNOWN_DOCSTRING_WARNINGS):
            if k not in self.seen and exception is None and doc in self.read:
                logging.getLogger("numpygrad.docs").info(
                    "known package-docstring problem no longer occurs, remove it from "
                    "KNOWN_DOCSTRING_WARNINGS in docs/conf.py: %s", fix)


def _install_warning_filter(app) -> None:
    import logging as std_logging

    known = _KnownDocstringWarnings(app)
    for handler in std_logging.getLogger("sphinx").handlers:
        if handler.level >= std_logging.WARNING:
            # First, so a known warning is neither counted nor raised under -W.
            handler.filters.insert(0, known)
    app.connect("source-read", known.source_read)
    app.connect("build-finished", known.report_unused)


def _isolate_docstring_examples(app, what, name, obj, options, lines) -> None:
    """Give the ``>>>`` examples of each docstring their own doctest group.

    The doctest builder runs all plain ``>>>`` blocks of a page in one namespace, so on a
    page with many docstrings (``Array`` and its methods) one failing example would cascade
    into the next docstring. Wrapping each docstring's blocks in ``.. doctest:: <name>``
    gives every docstring a fresh namespace, as ``python -m doctest`` does. The HTML output
    is unchanged (the directive renders as an ordinary example). Examples of the docstrings
    in ``KNOWN_FAILING_EXAMPLES`` are shown but skipped.
    """
    skip = name in KNOWN_FAILING_EXAMPLES
    if skip:
        from sphinx.util import logging

        logging.getLogger("numpygrad.docs").info(
            "known package-docstring problem: examples of %s not run -- fix: %s",
            name, KNOWN_FAILING_EXAMPLES[name])
    out: list[str] = []
    literal_indent = None  # indentation of the line that opened a ``::`` literal block
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if literal_indent is not None and stripped and len(indent) <= literal_indent:
            literal_indent = None
        prev = out[-1] if out else ""
        if literal_indent is None and stripped.startswith(">>>") and not prev.strip():
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out.append(f"{indent}.. doctest:: {name}")
            if skip:
                out.append(f"{indent}   :skipif: True")
            out.append("")
            out += [f"{indent}   {b[len(indent):] if b.startswith(indent) else b}" for b in block]
            out.append("")
            continue
        if literal_indent is None and stripped.endswith("::"):
            literal_indent = len(indent)
        out.append(line)
        i += 1
    lines[:] = out


def setup(app):
    _install_warning_filter(app)
    app.connect("builder-inited", _check_api_pages)
    # After napoleon (priority 500) has turned the NumPy sections into reST.
    app.connect("autodoc-process-docstring", _isolate_docstring_examples, priority=600)
