"""Benchmarks that print their figures (speed and quality targets live here, not in timed tests)."""
