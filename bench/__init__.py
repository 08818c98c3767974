"""Benchmarks: hot paths of the real `lms serve`, as ratios against a bare endpoint measured in the same run.

Run with `python -m bench` (or `nox -s bench`, which also runs `bench.imports`, `bench.regrade` and
`bench.certificates`). Figures never live in timed tests (DESIGN.md section 8).
"""
