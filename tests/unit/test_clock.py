from datetime import UTC, datetime, timedelta, timezone

import pytest

from server.clock import FakeClock, SystemClock


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2027, 3, 28, 5, 0, tzinfo=UTC))

    clock.advance(timedelta(minutes=10))

    assert clock.now() == datetime(2027, 3, 28, 5, 10, tzinfo=UTC)


def test_fake_clock_keeps_time_in_utc() -> None:
    clock = FakeClock(datetime(2027, 3, 28, 12, 0, tzinfo=timezone(timedelta(hours=7))))

    assert (clock.now().tzinfo, clock.now().hour) == (UTC, 5)


def test_fake_clock_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2027, 3, 28, 5, 0))


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC
