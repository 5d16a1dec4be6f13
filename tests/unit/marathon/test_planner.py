"""The relay planner: pinned plans for the seed capitals, DST dates, odd offsets, refusals,
and an exhaustive check against every permutation on small random relays."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.errors import Invalid
from server.marathon.planner import Host, NoPlan, Relay, plan_relay, squeeze_relay
from server.marathon.views import plan_json
from server.marathon.windows import Window, daily_intervals, parse_window

SEED = [
    ("Jakarta", "Asia/Jakarta"),
    ("Beijing", "Asia/Shanghai"),
    ("Tashkent", "Asia/Tashkent"),
    ("Cairo", "Africa/Cairo"),
    ("Paris", "Europe/Paris"),
    ("Berlin", "Europe/Berlin"),
    ("Rome", "Europe/Rome"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
]


def w(text: str) -> Window:
    return parse_window(text, field="window")


def relay(
    day: date,
    hosts: list[Host],
    *,
    hub: str = "Europe/Moscow",
    window: str = "08:00-23:00",
    gap: int = 5,
) -> Relay:
    return Relay(day=day, hub_tz=hub, hub_window=w(window), gap_minutes=gap, hosts=tuple(hosts))


def seed(minutes: int = 45, **positions: int) -> list[Host]:
    return [Host(city, tz, minutes, position=positions.get(city)) for city, tz in SEED]


def table(answer: dict) -> list[tuple[str, str, str]]:
    """(city, UTC start, host's local start) per segment."""
    return [(s["city"], s["utc_start"], s["local_start"]) for s in answer["segments"]]


def test_eight_capitals_on_a_summer_day_follow_the_sun_with_no_idle_time() -> None:
    answer = plan_json(plan_relay(relay(date(2026, 7, 7), seed())))

    # Buenos Aires opens at 09:00 -03 (12:00Z), so the most compact relay ends at 12:45Z and
    # starts 395 minutes earlier; east to west among equally compact orders.
    assert table(answer) == [
        ("Beijing", "2026-07-07T06:10:00Z", "2026-07-07T14:10:00+08:00"),
        ("Jakarta", "2026-07-07T07:00:00Z", "2026-07-07T14:00:00+07:00"),
        ("Tashkent", "2026-07-07T07:50:00Z", "2026-07-07T12:50:00+05:00"),
        ("Cairo", "2026-07-07T08:40:00Z", "2026-07-07T11:40:00+03:00"),
        ("Paris", "2026-07-07T09:30:00Z", "2026-07-07T11:30:00+02:00"),
        ("Berlin", "2026-07-07T10:20:00Z", "2026-07-07T12:20:00+02:00"),
        ("Rome", "2026-07-07T11:10:00Z", "2026-07-07T13:10:00+02:00"),
        ("Buenos Aires", "2026-07-07T12:00:00Z", "2026-07-07T09:00:00-03:00"),
    ]
    assert (answer["idle_minutes"], answer["span_minutes"], answer["gaps"]) == (0, 395, [])
    assert answer["segments"][0]["hub_start"] == "2026-07-07T09:10:00+03:00"


def test_on_the_march_clock_change_europe_hosts_on_summer_time() -> None:
    # 28 March 2027: Paris, Berlin and Rome jump to CEST at 01:00Z; Cairo stays on EET.
    answer = plan_json(plan_relay(relay(date(2027, 3, 28), seed(minutes=90), gap=10)))

    # 790 minutes from the hub's opening (08:00 MSK = 05:00Z) fit every window, no idle.
    assert [(s["city"], s["local_start"]) for s in answer["segments"]] == [
        ("Beijing", "2027-03-28T13:00:00+08:00"),
        ("Jakarta", "2027-03-28T13:40:00+07:00"),
        ("Tashkent", "2027-03-28T13:20:00+05:00"),
        ("Cairo", "2027-03-28T12:00:00+02:00"),
        ("Paris", "2027-03-28T13:40:00+02:00"),
        ("Berlin", "2027-03-28T15:20:00+02:00"),
        ("Rome", "2027-03-28T17:00:00+02:00"),
        ("Buenos Aires", "2027-03-28T13:40:00-03:00"),
    ]
    assert [s["local_abbr"] for s in answer["segments"][3:7]] == ["EET", "CEST", "CEST", "CEST"]
    assert (answer["segments"][0]["utc_start"], answer["idle_minutes"]) == (
        "2027-03-28T05:00:00Z",
        0,
    )


def test_on_the_march_clock_change_rome_closes_an_hour_earlier_in_utc() -> None:
    # Rome's 21:00 is 20:00Z on Saturday (CET) but 19:00Z on Sunday (CEST): the same relay
    # that fits on Saturday is refused on Sunday, naming Rome.
    hosts = [
        Host("Rome", "Europe/Rome", 60, position=2),
        Host("Lima", "America/Lima", 60, position=1),
    ]
    saturday = plan_relay(relay(date(2027, 3, 27), hosts, hub="UTC", window="17:00-21:00"))

    assert [s.start.strftime("%H:%M") for s in saturday.segments] == ["17:00", "18:05"]
    with pytest.raises(NoPlan) as refusal:
        plan_relay(relay(date(2027, 3, 28), hosts, hub="UTC", window="17:30-21:00"))
    assert refusal.value.host == "Rome"


def test_on_the_october_clock_change_europe_hosts_on_winter_time() -> None:
    answer = plan_json(plan_relay(relay(date(2026, 10, 25), seed())))

    paris = next(s for s in answer["segments"] if s["city"] == "Paris")
    cairo = next(s for s in answer["segments"] if s["city"] == "Cairo")
    assert (paris["utc_start"], paris["local_start"], paris["local_abbr"]) == (
        "2026-10-25T09:30:00Z",
        "2026-10-25T10:30:00+01:00",
        "CET",
    )
    # Egypt keeps summer time until the last Thursday of October.
    assert cairo["local_start"] == "2026-10-25T11:40:00+03:00"


def test_a_window_opens_at_its_local_time_on_either_side_of_a_clock_change() -> None:
    berlin = [Host("Berlin", "Europe/Berlin", 30)]

    starts = {
        day: plan_relay(relay(day, berlin, hub="UTC", window="00:00-24:00")).segments[0].start
        for day in (date(2026, 10, 24), date(2026, 10, 25))
    }

    assert starts == {
        date(2026, 10, 24): datetime(2026, 10, 24, 7, 0, tzinfo=UTC),  # 09:00 CEST
        date(2026, 10, 25): datetime(2026, 10, 25, 8, 0, tzinfo=UTC),  # 09:00 CET
    }


def test_a_window_that_the_clocks_skip_is_refused_with_the_reason() -> None:
    night_shift = Host("Berlin", "Europe/Berlin", 30, window=w("02:00-03:00"))

    with pytest.raises(NoPlan) as refusal:
        plan_relay(relay(date(2027, 3, 28), [night_shift], hub="UTC", window="00:00-24:00"))

    assert refusal.value.host == "Berlin"
    assert "does not exist in Europe/Berlin on 2027-03-28" in refusal.value.message


def test_a_host_whose_window_misses_the_hub_window_is_named() -> None:
    # 09:00-18:00 in Honolulu (-10) is 19:00Z-04:00Z; the hub is open 05:00Z-17:00Z.
    hosts = [*seed()[:2], Host("Honolulu", "Pacific/Honolulu", 45, window=w("09:00-18:00"))]

    with pytest.raises(NoPlan) as refusal:
        plan_relay(relay(date(2026, 7, 7), hosts, window="08:00-20:00"))

    assert (refusal.value.host, refusal.value.details["field"]) == ("Honolulu", "hosts[2]")
    assert "does not overlap the hub's window 08:00 MSK–20:00 MSK" in refusal.value.message


def test_half_and_three_quarter_hour_offsets_are_planned_to_the_minute() -> None:
    hosts = [Host("Delhi", "Asia/Kolkata", 45), Host("Kathmandu", "Asia/Kathmandu", 45)]

    answer = plan_json(plan_relay(relay(date(2026, 7, 7), hosts, hub="UTC", window="00:00-24:00")))

    # Kathmandu opens first (09:00 +05:45 = 03:15Z); Delhi follows after the handover.
    assert table(answer) == [
        ("Kathmandu", "2026-07-07T03:15:00Z", "2026-07-07T09:00:00+05:45"),
        ("Delhi", "2026-07-07T04:05:00Z", "2026-07-07T09:35:00+05:30"),
    ]


def test_a_window_crossing_midnight_is_allowed_when_it_says_so() -> None:
    night = Host("Vladivostok", "Asia/Vladivostok", 60, window=w("22:00-02:00+1"))

    plan = plan_relay(relay(date(2026, 7, 7), [night], hub="UTC", window="13:00-17:00"))

    # 22:00 in Vladivostok (+10) is 12:00Z, before the hub opens; 02:00 is 16:00Z.
    assert (plan.segments[0].start, plan.segments[0].end) == (
        datetime(2026, 7, 7, 13, 0, tzinfo=UTC),
        datetime(2026, 7, 7, 14, 0, tzinfo=UTC),
    )


def test_more_hosts_than_the_hub_window_holds_is_a_clear_refusal() -> None:
    hosts = seed()[:6]

    with pytest.raises(NoPlan) as refusal:
        plan_relay(relay(date(2026, 7, 7), hosts, window="08:00-12:00"))

    message = refusal.value.message
    assert "lasts 240 minutes, but the 6 segments with 5-minute handovers need 295" in message
    assert refusal.value.host in message


def test_a_fixed_position_is_respected_and_the_rest_is_ordered_around_it() -> None:
    # Multiples of 15 minutes everywhere, so the brute force's 15-minute grid is exact.
    plan = plan_relay(relay(date(2026, 7, 7), seed(Paris=1), gap=15))

    assert plan.segments[0].host.city == "Paris"
    assert _objective(plan) == min(_brute_force(plan.relay))


def test_a_fixed_position_that_cannot_be_kept_is_named() -> None:
    with pytest.raises(NoPlan) as refusal:
        plan_relay(relay(date(2026, 7, 7), seed(Beijing=8)))

    assert refusal.value.host == "Beijing"
    assert refusal.value.message.startswith("Beijing is fixed at position 8")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tz": "Mars/Olympus"}, "hosts[1].tz"),
        ({"minutes": 0}, "hosts[1].minutes"),
        ({"minutes": -5}, "hosts[1].minutes"),
        ({"position": 9}, "hosts[1].position"),
        ({"city": " "}, "hosts[1].city"),
    ],
)
def test_bad_hosts_are_refused_naming_the_field(change: dict, field: str) -> None:
    hosts = seed()
    hosts[1] = Host(**({"city": "Beijing", "tz": "Asia/Shanghai", "minutes": 45} | change))

    with pytest.raises(Invalid) as refusal:
        plan_relay(relay(date(2026, 7, 7), hosts))

    assert refusal.value.details["field"] == field
    assert not isinstance(refusal.value, NoPlan)


def test_two_hosts_at_one_position_are_refused() -> None:
    with pytest.raises(Invalid, match="Jakarta are both fixed at position 1") as refusal:
        plan_relay(relay(date(2026, 7, 7), seed(Jakarta=1, Beijing=1)))

    assert refusal.value.details["field"] == "hosts[1].position"


def test_more_than_sixteen_hosts_without_a_fixed_order_are_refused() -> None:
    hosts = [Host(f"City {i}", "Europe/Moscow", 10) for i in range(17)]

    with pytest.raises(Invalid, match="17 hosts without a fixed position") as refusal:
        plan_relay(relay(date(2026, 7, 7), hosts))

    assert refusal.value.details["field"] == "hosts"


def test_seventeen_hosts_plan_when_one_is_fixed() -> None:
    hosts = [
        Host(f"City {i}", "Europe/Moscow", 10, position=1 if i == 0 else None) for i in range(17)
    ]

    plan = plan_relay(relay(date(2026, 7, 7), hosts, window="09:00-21:00"))

    assert (plan.segments[0].host.city, len(plan.segments), plan.idle_minutes) == ("City 0", 17, 0)


def test_a_contrived_relay_is_refused_within_the_search_budget() -> None:
    # Sixteen windows a minute apart, all too short for every segment to avoid waiting: no
    # shortcut applies, so the general search runs until its budget, then says what to do.
    hosts = [
        Host(f"C{i}", "Europe/Moscow", 45, window=Window(480 + i, 480 + i + 700)) for i in range(16)
    ]

    with pytest.raises(Invalid, match="fix the position of some of them") as refusal:
        plan_relay(relay(date(2026, 7, 7), hosts, window="00:00-24:00"))

    assert refusal.value.details["field"] == "hosts"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("21:00-09:00", "ends before it starts; write 21:00-09:00+1"),
        ("9-21", "is not a window like 09:00-21:00"),
        ("25:00-26:00", "not on a clock"),
        ("10:00-10:00", "ends before it starts"),
        ("08:00-09:00+1", "longer than a day"),
    ],
)
def test_bad_windows_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason.replace("+", r"\+")) as refusal:
        parse_window(text, field="hosts[0].window")

    assert refusal.value.details["field"] == "hosts[0].window"


def test_squeezing_shortens_only_the_hosts_whose_window_closes_early() -> None:
    hosts = [Host("Rome", "Europe/Rome", 60), Host("Lisbon", "Europe/Lisbon", 60)]
    late = relay(date(2026, 7, 7), hosts, hub="UTC", window="18:00-23:00", gap=0)

    plan, shortened = squeeze_relay(late)

    # Rome closes at 21:00 CEST (19:00Z): 60 minutes fit; Lisbon closes at 20:00Z.
    assert [(s.host.city, s.start.hour, s.end.minute) for s in plan.segments] == [
        ("Rome", 18, 0),
        ("Lisbon", 19, 0),
    ]
    assert shortened == {}


# --- exhaustive check on small random relays ----------------------------------------------

ZONES = [
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Europe/Moscow",
    "Europe/Berlin",
    "Africa/Cairo",
    "America/Sao_Paulo",
    "America/New_York",
    "Pacific/Chatham",
    "Australia/Adelaide",
]


def _objective(plan) -> tuple[int, datetime, int]:
    rank = _ranks(plan.relay)
    order = [s.index for s in plan.segments]
    return (plan.idle_minutes, plan.segments[-1].end, _inversions(order, rank))


def _ranks(r: Relay) -> list[int]:
    start = r.hub_interval()[0]
    keyed = sorted(
        range(len(r.hosts)),
        key=lambda i: (-start.astimezone(ZoneInfo(r.hosts[i].tz)).utcoffset(), i),
    )
    return [keyed.index(i) for i in range(len(r.hosts))]


def _inversions(order: list[int], rank: list[int]) -> int:
    return sum(1 for a, b in itertools.combinations(order, 2) if rank[a] > rank[b])


def _brute_force(r: Relay) -> list[tuple[int, datetime, int]]:
    """(idle, end, inversions) of the best relay for every order and every start on a
    15-minute grid (exact here: every input is a multiple of 15 minutes)."""
    hub = r.hub_interval()
    windows = [daily_intervals(h.window, ZoneInfo(h.tz), hub) for h in r.hosts]
    rank, gap = _ranks(r), timedelta(minutes=r.gap_minutes)
    results = []
    for order in itertools.permutations(range(len(r.hosts))):
        if any(r.hosts[i].position not in (None, p + 1) for p, i in enumerate(order)):
            continue
        start = hub[0]
        while start <= hub[1]:
            relay_end = _greedy(r, order, windows, start, gap)
            if relay_end is not None:
                total = sum(r.hosts[i].minutes for i in order) + r.gap_minutes * (len(order) - 1)
                idle = int((relay_end - start).total_seconds() // 60) - total
                results.append((idle, relay_end, _inversions(list(order), rank)))
            start += timedelta(minutes=15)
    return results


def _greedy(r, order, windows, start, gap) -> datetime | None:
    cursor: datetime | None = None
    for i in order:
        length = timedelta(minutes=r.hosts[i].minutes)
        earliest = start if cursor is None else cursor + gap
        fits = [max(a, earliest) for a, b in windows[i] if max(a, earliest) + length <= b]
        if not fits or (cursor is None and fits[0] != start):
            return None
        cursor = fits[0] + length
    return cursor


def _random_relay(rng: random.Random) -> Relay:
    count = rng.randint(2, 5)
    hosts = []
    positions = rng.sample(range(1, count + 1), k=rng.choice([0, 0, 1, 2]))
    for index in range(count):
        start = rng.randrange(0, 96) * 15
        length = rng.choice([4, 6, 8, 12, 16, 20]) * 60
        hosts.append(
            Host(
                city=f"C{index}",
                tz=rng.choice(ZONES),
                minutes=rng.choice([15, 30, 45, 60, 90]),
                window=Window(start, start + length),
                position=positions[index] if index < len(positions) else None,
            )
        )
    hub_start = rng.randrange(0, 48) * 15
    return Relay(
        day=date(2026, rng.choice([3, 7, 10]), rng.choice([25, 28, 29])),
        hub_tz=rng.choice(ZONES),
        hub_window=Window(hub_start, hub_start + rng.choice([8, 12, 16, 24]) * 60),
        gap_minutes=rng.choice([0, 15]),
        hosts=tuple(hosts),
    )


@pytest.mark.parametrize("seed_value", range(60))
def test_the_plan_is_no_worse_than_any_permutation(seed_value: int) -> None:
    r = _random_relay(random.Random(seed_value))
    candidates = _brute_force(r)

    try:
        plan = plan_relay(r)
    except NoPlan:
        assert candidates == []
        return
    assert _objective(plan) == min(candidates)
    hub = r.hub_interval()
    for s in plan.segments:
        windows = daily_intervals(s.host.window, ZoneInfo(s.host.tz), hub)
        assert any(a <= s.start and s.end <= b for a, b in windows), s
