"""Svidok benchmarks (``bench/run.py``); figures in ``bench/RESULTS.md``."""
