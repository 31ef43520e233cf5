"""Performance figures for `make bench`: each bench_*.py prints its own medians."""
