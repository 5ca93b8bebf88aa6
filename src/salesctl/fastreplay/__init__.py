"""The throughput replay engine (issue 16): typed decoding with msgspec, a lean replay loop, and
customer partitions replayed in parallel processes.

Same report as :func:`salesctl.audit.replay` (tests/test_fastreplay.py compares both engines
on a demo year, field by field) for less CPU per line; ``salesctl audit`` runs it
(``--engine old`` runs the old one). The gate loads neither this package nor msgspec.

The package by job: :mod:`~salesctl.fastreplay.decode` (msgspec Structs generated from the
event classes, the decoder) and :mod:`~salesctl.fastreplay.engine` (the replay, the jobs).
"""

from salesctl.fastreplay.cluster import replay_dask
from salesctl.fastreplay.decode import Decoder, structs
from salesctl.fastreplay.engine import replay, replay_file, replay_jobs

__all__ = ["Decoder", "replay", "replay_dask", "replay_file", "replay_jobs", "structs"]
