"""The garbage collector, set for a long-running server (`pavilion serve`).

With CPython's defaults the cyclic collector runs a generation-0 pass every 700 allocations
and, as a node's heap grows (thousands of sockets, each with its protocol, tasks and
buffers), full passes that walk every object: measured during a storm of 2,000 joins, 3.2 s of
full collections, more than half the CPU the storm cost (bench/peak.py, py-spy, gc.callbacks).

So, once the app has started: everything alive then (modules, the app, its routes, its
caches: what lives as long as the process) is frozen out of the collector's walks, and the
passes run less often. Memory is still freed as usual as soon as nothing refers to it; only
cyclic garbage waits a little longer for its pass.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger("pavilion.gc")

# A generation-0 pass every 50,000 allocations; generation 1 every 20 of those, generation 2
# every 20 of those (and, as CPython has it, only once the objects waiting for it are a
# quarter of those it already holds).
THRESHOLDS = (50_000, 20, 20)


def settle_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    frozen = gc.get_freeze_count()
    log.info("garbage collector: %d objects frozen, thresholds %s", frozen, THRESHOLDS)
