"""Benchmarks: ``python -m bench`` (or ``make bench``) prints one line per figure.

They report; they never fail a build. ``bench.generate`` makes the fake data.
"""
