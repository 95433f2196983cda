"""Benchmarks for burgerprofiel: ``make bench`` (``python -m bench.run``).

Every figure is a ratio against a baseline measured in the same run, never an absolute
threshold: absolute timings depend on the machine, ratios much less so.
"""
