"""Winnow's performance suite: ``python -m benchmarks [--quick] [NAME ...]`` prints JSON."""
