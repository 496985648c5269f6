"""Benchmarks of the functional core against the shared dev set and seeds (not part of the job)."""
