"""Benchmarks against the targets in product.md. Run them all with `make bench`."""
