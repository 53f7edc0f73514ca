"""Test doubles that are not tests themselves: the tests and the benchmarks import them."""
