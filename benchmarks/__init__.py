"""The benchmark suite; run as `python benchmarks/run.py` (or `make bench`)."""
