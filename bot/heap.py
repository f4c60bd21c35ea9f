"""What a long-running salesbot process does with its heap once it is built: keep the garbage collector off it."""

import gc


def settle_heap() -> None:
    """Collect once, then move every object alive now (modules, SQLAlchemy's metadata and statement caches,
    babel's locale data, matplotlib's fonts: ~265,000 objects) into the collector's permanent generation.

    Python's full collections walk every tracked object. An answer that allocates a lot (a leaderboard of 4,950
    reps, a chart's artists) set off full collections that spent ~100 ms per answer walking the startup heap (half
    of a 4,950-rep leaderboard's 203 ms at load 6); frozen, they cost ~12 ms. Objects made later are collected as
    before; what is frozen is what lives as long as the process anyway. Called by `salesbot serve`/`socket` and by
    each answer process once its app is built — not by tests, which build many apps in one process.
    """
    gc.collect()
    gc.freeze()
