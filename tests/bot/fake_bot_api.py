"""Moved to :mod:`tests.support.fake_bot_api`, which the benchmarks import too.

This name stays while branches written against it are merged; import from
``tests.support.fake_bot_api`` in new code.
"""

from tests.support import fake_bot_api as _moved
from tests.support.fake_bot_api import *  # noqa: F403

__all__ = _moved.__all__
