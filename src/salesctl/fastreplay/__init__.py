"""The throughput replay engine (issue 16): typed decoding with msgspec and a lean replay loop.

Same report as :func:`salesctl.audit.replay` (a regression test compares both engines on the
demo year) at a fraction of the cost. The gate does not load this package (nor msgspec).
"""
