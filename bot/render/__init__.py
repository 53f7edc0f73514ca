"""Rendering: pure functions from records to Telegram HTML and keyboards (no I/O)."""
