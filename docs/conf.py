"""Sphinx configuration for the amazon-transcribe docs."""

from __future__ import annotations

import amazon_transcribe

project = "amazon-transcribe"
author = "amazon-transcribe developers"
copyright = "2026, amazon-transcribe developers"
release = amazon_transcribe.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# No network during builds: intersphinx would fetch inventories.
intersphinx_mapping: dict = {}
nitpicky = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
