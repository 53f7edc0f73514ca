"""The console's one error for the operator (a port taken): one line, never a traceback."""


class ConsoleError(Exception):
    """The console cannot start; the message says what to change."""
