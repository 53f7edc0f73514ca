"""Offline benchmarks for Linli's retrieval (not part of the installed package)."""
