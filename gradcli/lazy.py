"""The one mechanism for loading a module on first use: registries name their entries as
"module:attribute" strings, and `load` imports the module when an entry is used.

Renderers, subcommands, the array engine and the public API are registries of this kind, so
a one-liner imports only what it runs (a scalar run never imports numpy, JSON output never
imports Rich). tests/test_layers.py reads these strings as imports, so lazy loading cannot
hide an arrow that points up a floor.
"""

from __future__ import annotations

import importlib


def load(target: str):
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)
