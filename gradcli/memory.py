"""The cyclic garbage collector, paused while a big program is built, swept and written.

Parsing, lowering, the sweeps and the writers allocate millions of small objects that live
until the run ends and form no cycles worth collecting; each pass of the collector walks
all of them again, which made a 10^6-node run spend a third of its time collecting nothing.
Paused rather than off: a caller that lives on (the Python API, a batch) gets it back as it was.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def paused_gc():
    """No cyclic collection inside; reference counting frees what it always frees."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
