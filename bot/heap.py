"""The garbage collector tuned for a long-running bot: what it scans, and how often.

Measured with `imagine-bot bench --platforms` (issue 15): at CPython's defaults (a young
collection every 700 new containers, an old one once the survivors grow by a quarter) the
Discord chat process spent about a quarter of its CPU per reply in the cyclic collector.
Its heap is large and nearly all of it lives forever (the model and intent tables, every
language's Fluent bundle, Babel's locale data, discord.py's and PTB's own modules), and
every old-generation pass walks all of it again. Two standard fixes:

- `gc.freeze()` once the process has built itself: what exists then moves to a permanent
  generation that collections skip (the CPython documentation's advice for servers);
- a larger young generation: a reply allocates a few hundred containers, almost all freed
  by reference counting alone, so collecting every 700 mostly walks live objects again.
  The cost is that garbage in reference cycles (rare: a raised exception's traceback) is
  found after YOUNG_THRESHOLD new containers instead of 700, a few megabytes at most.

Reference counting, which frees nearly everything, is unaffected.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000  # CPython's default is 700
OLDER_THRESHOLDS = (10, 10)  # CPython's defaults: the middle and old generations


def settle() -> None:
    """Call once the process has loaded what it keeps (after building the app)."""
    gc.collect()  # what start-up left as garbage, not frozen forever
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
