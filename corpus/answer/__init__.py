"""Answering: the live index, relevance, quotes and direct answers, and their evaluation."""
