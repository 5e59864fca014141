"""The one clock that behaviour depending on time reads: schedules, sending windows, quiet hours,
reminders. Production reads the real time; tests set or move it (tests' `clock` fixture), and the
same moved time is seen by every thread of the process (workers run in-process in tests)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from django.utils import timezone

_lock = threading.Lock()
_fixed: datetime | None = None


def now() -> datetime:
    """The current time, aware (UTC)."""
    fixed = _fixed
    return fixed if fixed is not None else timezone.now()


def timestamp() -> float:
    return now().timestamp()


def clock_set(moment: datetime | None) -> None:
    """Stop the clock at `moment` (aware); None lets it run again. For tests and benchmarks."""
    global _fixed
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("the clock needs an aware datetime")
    with _lock:
        _fixed = moment


def clock_advance(delta: timedelta) -> datetime:
    """Move a stopped clock forward (a running one is stopped at now + delta)."""
    global _fixed
    with _lock:
        _fixed = (_fixed if _fixed is not None else timezone.now()) + delta
        return _fixed
