"""The relay planner: when each capital hosts its segment of the marathon. Pure: no I/O, no clock.

Every segment must lie inside its host's local window and the hub's window, in order, with a
handover gap between segments. Among all such relays the planner returns the most compact one
(least idle time beyond the gaps), then the one ending earliest, then the one closest to
following the sun (fewest pairs of hosts out of east-to-west order).

The search is exact. Most relays can run with no idle time at all; `tight.py` finds those by
their start instant. The general case: for one fixed order with one interval per host, the
greedy relay that starts at S ends at max(S, L) + D, where D is the relay's length without
idle, L = max(a_k - o_k) and U = min(b_k - o_k) over the hosts' earliest starts a_k, latest
starts b_k and offsets o_k in a relay without idle; S may be anything up to U. So an order's
best relay has idle max(0, L - U) and ends at L + D, and it only exists if each host's greedy
start fits (max over its prefix of a_j - o_j <= b_k - o_k). The planner runs a dynamic program
over subsets of hosts, keeping for each subset the Pareto front of (L, U, inversions); a host whose
window meets the hub's window in several pieces branches over them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.errors import ErrorCode, Invalid
from server.marathon.tight import earliest_tight_start, fewest_inversions
from server.marathon.windows import Window, daily_intervals, parse_window, window_on
from server.zones import parse_zone

DEFAULT_WINDOW = parse_window("09:00-21:00", field="window")
MAX_FREE_HOSTS = 16
MAX_HOSTS = 32
MAX_GAP_MINUTES = 240
WORK_BUDGET = 500_000


class _TooMany(Exception):
    """The general search ran past its budget."""


class NoPlan(Invalid):
    """No relay satisfies every window; `host` names the one that cannot be placed."""

    code = ErrorCode.no_plan

    def __init__(self, message: str, *, host: str, index: int) -> None:
        super().__init__(message, field=f"hosts[{index}]", host=host)
        self.host = host
        self.index = index


@dataclass(frozen=True)
class Host:
    """One capital of the relay. `position` (1-based) fixes its place in the order.

    `within` replaces the window by an explicit UTC interval; a re-plan uses it to pin the
    segment that is already on air to where it is."""

    city: str
    tz: str
    minutes: int
    window: Window = DEFAULT_WINDOW
    position: int | None = None
    within: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class Relay:
    """What to plan: the hub's date, zone and window, the handover gap and the hosts.

    `not_before` keeps every segment (but a pinned one) from starting earlier: a re-plan
    during the day passes the current instant."""

    day: date
    hub_tz: str
    hub_window: Window
    gap_minutes: int
    hosts: tuple[Host, ...]
    not_before: datetime | None = None

    def hub_interval(self) -> tuple[datetime, datetime]:
        return window_on(self.hub_window, self.day, ZoneInfo(self.hub_tz))


@dataclass(frozen=True)
class Segment:
    host: Host
    index: int  # the host's index in Relay.hosts
    start: datetime
    end: datetime
    idle_before_minutes: int


@dataclass(frozen=True)
class Plan:
    relay: Relay
    segments: tuple[Segment, ...]
    idle_minutes: int
    span_minutes: int


# --- validation ---------------------------------------------------------------------------


def check_relay(relay: Relay) -> None:
    """Invalid naming the first bad field (`hosts[2].tz`, `gap_minutes`, ...)."""
    parse_zone(relay.hub_tz, field="hub.tz")
    if not 0 <= relay.gap_minutes <= MAX_GAP_MINUTES:
        raise Invalid(f"gap_minutes: must be 0 to {MAX_GAP_MINUTES}", field="gap_minutes")
    hosts = relay.hosts
    if not hosts:
        raise Invalid("hosts: a relay needs at least one host", field="hosts")
    if len(hosts) > MAX_HOSTS:
        raise Invalid(f"hosts: at most {MAX_HOSTS} hosts in one relay", field="hosts")
    for index, host in enumerate(hosts):
        _check_host(host, index, len(hosts))
    _check_positions(hosts)
    free = sum(1 for h in hosts if h.position is None)
    if free > MAX_FREE_HOSTS:
        raise Invalid(
            f"hosts: {free} hosts without a fixed position; the exact order search handles "
            f"at most {MAX_FREE_HOSTS} (fix the position of some hosts)",
            field="hosts",
        )
    hub_start, hub_end = relay.hub_interval()
    if hub_start >= hub_end:
        raise Invalid(
            f"hub.window: {relay.hub_window} does not exist in {relay.hub_tz} on {relay.day} "
            "(the clocks skip it that night)",
            field="hub.window",
        )


def _check_host(host: Host, index: int, count: int) -> None:
    where = f"hosts[{index}]"
    if not host.city.strip():
        raise Invalid(f"{where}.city: must not be empty", field=f"{where}.city")
    parse_zone(host.tz, field=f"{where}.tz")
    if not 0 < host.minutes <= 24 * 60:
        raise Invalid(
            f"{where}.minutes: a segment lasts 1 to 1440 minutes, not {host.minutes}",
            field=f"{where}.minutes",
        )
    if host.position is not None and not 1 <= host.position <= count:
        raise Invalid(
            f"{where}.position: must be 1 to {count} (the number of hosts)",
            field=f"{where}.position",
        )


def _check_positions(hosts: Sequence[Host]) -> None:
    taken: dict[int, int] = {}
    for index, host in enumerate(hosts):
        if host.position is None:
            continue
        if host.position in taken:
            other = hosts[taken[host.position]].city
            raise Invalid(
                f"hosts[{index}].position: {host.city} and {other} are both fixed at "
                f"position {host.position}",
                field=f"hosts[{index}].position",
            )
        taken[host.position] = index


# --- where each host may start ------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    earliest: int  # seconds after the hub window opens
    latest: int


def _host_intervals(
    relay: Relay, host: Host, hub: tuple[datetime, datetime]
) -> list[tuple[datetime, datetime]]:
    if host.within is not None:
        return [host.within]
    lower = hub[0] if relay.not_before is None else max(hub[0], relay.not_before)
    if lower >= hub[1]:
        return []
    return daily_intervals(host.window, ZoneInfo(host.tz), (lower, hub[1]))


def _pieces(relay: Relay, host: Host, hub: tuple[datetime, datetime]) -> list[_Piece]:
    length = host.minutes * 60
    pieces = []
    for start, end in _host_intervals(relay, host, hub):
        earliest = int((start - hub[0]).total_seconds())
        latest = int((end - hub[0]).total_seconds()) - length
        if earliest <= latest:
            pieces.append(_Piece(earliest, latest))
    return pieces


def _east_to_west(relay: Relay, hub_start: datetime) -> list[int]:
    """Each host's rank when sorted by UTC offset at the hub's opening, east first."""

    def key(index: int) -> tuple[float, int]:
        offset = hub_start.astimezone(ZoneInfo(relay.hosts[index].tz)).utcoffset()
        return (-(offset or timedelta()).total_seconds(), index)

    order = sorted(range(len(relay.hosts)), key=key)
    rank = [0] * len(order)
    for position, index in enumerate(order):
        rank[index] = position
    return rank


# --- the search ---------------------------------------------------------------------------

# A partial relay: (L, U, inversions, parent, host, piece). Parents form a linked list back
# to the empty relay, so the order is rebuilt only for the winner.
_Point = tuple[int, int, int, "_Point | None", int, int]

_INF = 10**12
_ROOT: _Point = (-_INF, _INF, 0, None, -1, -1)


def _insert(front: list[_Point], point: _Point) -> None:
    """Add to a Pareto front (small L, large U, few inversions), dropping what it dominates."""
    low, high, inv = point[0], point[1], point[2]
    for other in front:
        if other[0] <= low and other[1] >= high and other[2] <= inv:
            return
    front[:] = [o for o in front if not (low <= o[0] and high >= o[1] and inv <= o[2])]
    front.append(point)


@dataclass
class _Search:
    pieces: list[list[_Piece]]
    steps: list[int]  # segment length + gap, seconds
    fixed_at: dict[int, int]  # position (1-based) -> host index
    later: list[int]  # hosts that should come after host i (east-to-west), as a bit mask
    twin_before: list[int]  # the identical host that must precede host i, or -1

    def __post_init__(self) -> None:
        self.last_start = [max(p.latest for p in pieces) for pieces in self.pieces]
        self.fixed_hosts = frozenset(self.fixed_at.values())
        self.latest_cache: dict[int, int] = {}
        # Comparisons of partial relays allowed: about a second of work. Realistic relays
        # need a few thousand; only contrived ones (many near-identical windows with idle
        # time unavoidable) come near it.
        self.work = 0
        self.budget = WORK_BUDGET
        # Off only to explain a refusal: pruned layers end early at the wrong host.
        self.prune = True
        self.twins = True
        # The best (idle, L) known so far, in seconds: partial relays that cannot beat it
        # are dropped. Ties survive, for the east-to-west tie-break.
        self.bound: tuple[int, int] | None = None

    def run(self) -> list[dict[int, tuple[int, list[_Point]]]]:
        """Layers of reachable subsets: layer k maps a mask of k hosts to (offset, front)."""
        n = len(self.steps)
        layers: list[dict[int, tuple[int, list[_Point]]]] = [{0: (0, [_ROOT])}]
        for size in range(n):
            layer: dict[int, tuple[int, list[_Point]]] = {}
            for mask, (offset, front) in layers[-1].items():
                for host in self.candidates(mask, size + 1):
                    self._extend(layer, mask, offset, front, host)
            if not layer:
                break
            layers.append(layer)
        return layers

    def walk(self, order: Sequence[int]) -> _Point | None:
        """The best relay in exactly this order, or None if it does not fit."""
        mask, offset, front = 0, 0, [_ROOT]
        for host in order:
            layer: dict[int, tuple[int, list[_Point]]] = {}
            self._extend(layer, mask, offset, front, host)
            mask |= 1 << host
            if mask not in layer:
                return None
            offset, front = layer[mask]
        return min(front, key=_objective)

    def candidates(self, mask: int, position: int) -> list[int]:
        fixed = self.fixed_at.get(position)
        if fixed is not None:
            return [fixed]
        return [
            i
            for i in range(len(self.steps))
            if not mask >> i & 1
            and i not in self.fixed_hosts
            and (not self.twins or self.twin_before[i] < 0 or mask >> self.twin_before[i] & 1)
        ]

    def latest_left(self, mask: int) -> int:
        """The earliest of the latest starts of the hosts not in `mask` (cached per mask)."""
        found = self.latest_cache.get(mask)
        if found is None:
            found = min(
                (t for host, t in enumerate(self.last_start) if not mask >> host & 1),
                default=_INF,
            )
            self.latest_cache[mask] = found
        return found

    def _extend(
        self,
        layer: dict[int, tuple[int, list[_Point]]],
        mask: int,
        offset: int,
        front: list[_Point],
        host: int,
    ) -> None:
        extra = (mask & self.later[host]).bit_count()
        new_mask = mask | 1 << host
        target: list[_Point] | None = None
        for piece_index, piece in enumerate(self.pieces[host]):
            low_here, high_here = piece.earliest - offset, piece.latest - offset
            for point in front:
                low = max(point[0], low_here)
                if low > high_here:  # even the greedy relay reaches this host too late
                    continue
                new_offset = offset + self.steps[host]
                high = min(point[1], high_here)
                # Hosts still to come start at offsets of at least new_offset, so no relay
                # from here has U above `ceiling`; one below `low` means a host is unreachable.
                left = self.latest_left(new_mask) - new_offset
                if self.prune and (
                    left < low
                    or (
                        self.bound is not None and (max(0, low - min(high, left)), low) > self.bound
                    )
                ):
                    continue
                if target is None:
                    target = layer.setdefault(new_mask, (new_offset, []))[1]
                self.work += len(target) + 1
                if self.work > self.budget:
                    raise _TooMany
                _insert(target, (low, high, point[2] + extra, point, host, piece_index))


def _sun_order(relay: Relay, rank: list[int]) -> list[int]:
    """East to west, with the fixed hosts at their positions."""
    free = iter(
        sorted((i for i, h in enumerate(relay.hosts) if h.position is None), key=lambda i: rank[i])
    )
    fixed = {h.position: i for i, h in enumerate(relay.hosts) if h.position is not None}
    return [fixed[p] if p in fixed else next(free) for p in range(1, len(relay.hosts) + 1)]


def _twins(relay: Relay, pieces: list[list[_Piece]], rank: list[int]) -> list[int]:
    """For each host, the identical host (same pieces and length, not fixed) ranked just
    before it, or -1. Identical hosts are interchangeable, and putting them in east-to-west
    order never adds an inversion, so only that order of them is searched."""
    previous: dict[tuple[object, ...], int] = {}
    before = [-1] * len(relay.hosts)
    for index in sorted(range(len(relay.hosts)), key=lambda i: rank[i]):
        host = relay.hosts[index]
        if host.position is not None:
            continue
        key = (host.minutes, tuple(pieces[index]))
        before[index] = previous.get(key, -1)
        previous[key] = index
    return before


def _objective(point: _Point) -> tuple[int, int, int]:
    low, high, inv = point[0], point[1], point[2]
    return (max(0, low - high), low, inv)


def plan_relay(relay: Relay, *, prune: bool = True) -> Plan:
    """The most compact relay for these hosts, or NoPlan saying which host cannot fit and why.

    Raises Invalid (naming the field) for malformed input. `prune=False` runs the plain
    subset search, without bounds (the same answer, slower: bench/marathon.py compares)."""
    check_relay(relay)
    hub = relay.hub_interval()
    pieces = [_pieces(relay, host, hub) for host in relay.hosts]
    for index, host_pieces in enumerate(pieces):
        if not host_pieces:
            raise _lonely_host(relay, index, hub)
    rank = _east_to_west(relay, hub[0])
    n = len(relay.hosts)
    search = _Search(
        pieces=pieces,
        steps=[(h.minutes + relay.gap_minutes) * 60 for h in relay.hosts],
        fixed_at={h.position: i for i, h in enumerate(relay.hosts) if h.position is not None},
        later=[sum(1 << j for j in range(n) if rank[j] > rank[i]) for i in range(n)],
        twin_before=_twins(relay, pieces, rank),
    )
    search.prune = search.twins = prune
    if not prune:
        search.budget = _INF
    if prune:
        start = earliest_tight_start(search, n)
        if start is not None:
            return _build(relay, hub, pieces, fewest_inversions(search, n, start), start)
    # Some idle time is unavoidable (or the plain search was asked for): the general search.
    sun = _sun_order(relay, rank)
    first_guess = search.walk(sun) if prune else None
    if first_guess is not None:
        search.bound = _objective(first_guess)[:2]
    try:
        layers = search.run()
    except _TooMany:
        raise Invalid(
            f"hosts: these {n} hosts leave too many possible orders to compare exactly in "
            "reasonable time (their windows are nearly alike and some idle time is "
            "unavoidable); fix the position of some of them",
            field="hosts",
        ) from None
    if len(layers) <= n:
        search.prune, search.work, search.budget = False, 0, WORK_BUDGET
        try:
            layers = search.run()
        except _TooMany:
            raise _first_out_of_order(relay, hub, sun) from None
        raise _diagnose(relay, hub, layers, search)
    ((_, front),) = layers[n].values()
    best = min(front, key=_objective)
    return _build(relay, hub, pieces, _order(best), min(best[0], best[1]))


def _order(point: _Point) -> list[tuple[int, int]]:
    steps: list[tuple[int, int]] = []
    current: _Point | None = point
    while current is not None and current[4] >= 0:
        steps.append((current[4], current[5]))
        current = current[3]
    return steps[::-1]


def _build(
    relay: Relay,
    hub: tuple[datetime, datetime],
    pieces: list[list[_Piece]],
    order: list[tuple[int, int]],
    start: int,
) -> Plan:
    """Times for hosts in this order (with the window piece each uses), the first at `start`
    (seconds after the hub opens), each later one as early as its piece and the gap allow."""
    gap = relay.gap_minutes * 60
    segments: list[Segment] = []
    previous_end: int | None = None
    idle_total = 0
    for host_index, piece_index in order:
        piece = pieces[host_index][piece_index]
        host = relay.hosts[host_index]
        if previous_end is not None:
            start = max(previous_end + gap, piece.earliest)
        assert piece.earliest <= start <= piece.latest, "the search promised a fitting start"
        idle = 0 if previous_end is None else start - previous_end - gap
        idle_total += idle
        end = start + host.minutes * 60
        segments.append(
            Segment(
                host=host,
                index=host_index,
                start=hub[0] + timedelta(seconds=start),
                end=hub[0] + timedelta(seconds=end),
                idle_before_minutes=idle // 60,
            )
        )
        previous_end = end
    span = (segments[-1].end - segments[0].start).total_seconds()
    return Plan(relay, tuple(segments), idle_total // 60, int(span // 60))


# --- explaining a refusal -----------------------------------------------------------------


def _clock(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


def _describe_window(relay: Relay, host: Host) -> str:
    zone = ZoneInfo(host.tz)
    start, end = window_on(host.window, relay.day, zone)
    local = f"{host.window} local time"
    if start >= end:
        return local
    return f"{local} ({start.astimezone(UTC):%H:%M}–{end.astimezone(UTC):%H:%M} UTC on {relay.day})"


def _describe_hub(relay: Relay, hub: tuple[datetime, datetime]) -> str:
    zone = ZoneInfo(relay.hub_tz)
    return f"the hub's window {_clock(hub[0], zone)}–{_clock(hub[1], zone)} on {relay.day}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lonely_host(relay: Relay, index: int, hub: tuple[datetime, datetime]) -> NoPlan:
    """Why one host fits nowhere, before any ordering is tried."""
    host = relay.hosts[index]
    zone = ZoneInfo(host.tz)
    if host.within is not None:
        reason = "its segment no longer fits where it is pinned"
    else:
        start, end = window_on(host.window, relay.day, zone)
        full = daily_intervals(host.window, zone, hub)
        longest = max((int((e - s).total_seconds() // 60) for s, e in full), default=0)
        if start >= end:
            reason = (
                f"its window {host.window} does not exist in {host.tz} on {relay.day}: "
                "the clocks skip those hours that night"
            )
        elif longest == 0:
            reason = (
                f"its window {_describe_window(relay, host)} does not overlap "
                f"{_describe_hub(relay, hub)}"
            )
        elif longest < host.minutes:
            reason = (
                f"its window {_describe_window(relay, host)} overlaps "
                f"{_describe_hub(relay, hub)} for only {longest} minutes, "
                f"less than its {host.minutes}-minute segment"
            )
        else:
            reason = "the rest of the hub's window has already begun"
    return NoPlan(f"{host.city} cannot host a segment: {reason}", host=host.city, index=index)


def _first_out_of_order(relay: Relay, hub: tuple[datetime, datetime], sun: list[int]) -> NoPlan:
    """A refusal found cheaply: the first host that misses its window when the hosts run
    east to west, each as early as it can."""
    gap = timedelta(minutes=relay.gap_minutes)
    cursor: datetime | None = None
    for index in sun:
        host = relay.hosts[index]
        length = timedelta(minutes=host.minutes)
        placed = _first_fit(_host_intervals(relay, host, hub), cursor, gap, length)
        if placed is None:
            return _no_room(relay, hub, index, cursor, gap, length)
        cursor = placed[0] + length
    last = sun[-1]
    return NoPlan(
        "No order keeps every host inside its window", host=relay.hosts[last].city, index=last
    )


def _diagnose(
    relay: Relay,
    hub: tuple[datetime, datetime],
    layers: list[dict[int, tuple[int, list[_Point]]]],
    search: _Search,
) -> NoPlan:
    n = len(relay.hosts)
    reached = len(layers) - 1
    hub_minutes = int((hub[1] - hub[0]).total_seconds() // 60)
    needed = sum(h.minutes for h in relay.hosts) + relay.gap_minutes * (n - 1)
    fixed = search.fixed_at.get(reached + 1)
    if fixed is not None:
        host = relay.hosts[fixed]
        return NoPlan(
            f"{host.city} is fixed at position {reached + 1}, but no relay of the hosts before "
            f"it leaves its {host.minutes}-minute segment inside its window "
            f"{_describe_window(relay, host)} and {_describe_hub(relay, hub)}",
            host=host.city,
            index=fixed,
        )
    best_mask, _ = min(
        ((mask, min(front, key=_objective)) for mask, (_, front) in layers[reached].items()),
        key=lambda item: (_objective(item[1]), item[0]),
    )
    missing = [i for i in range(n) if not best_mask >> i & 1]
    names = ", ".join(relay.hosts[i].city for i in missing)
    first = relay.hosts[missing[0]]
    if needed > hub_minutes:
        message = (
            f"{_capital(_describe_hub(relay, hub))} lasts {hub_minutes} minutes, but the "
            f"{n} segments with {relay.gap_minutes}-minute handovers need {needed}; "
            f"the longest relay that fits has {reached} hosts, without {names}"
        )
    else:
        message = (
            f"No order keeps every host inside its window: the longest relay that fits has "
            f"{reached} of {n} hosts, without {names}; {first.city}'s window is "
            f"{_describe_window(relay, first)} and its segment lasts {first.minutes} minutes"
        )
    return NoPlan(message, host=first.city, index=missing[0])


# --- running late: keep the order, shorten what no longer fits ----------------------------


def squeeze_relay(relay: Relay, *, shortest_share: float = 0.5) -> tuple[Plan, dict[int, int]]:
    """The hosts in the given order, each as early as its window allows; a host whose window
    closes before its full segment ends gets a shorter one, down to `shortest_share` of it.

    What an organiser accepts when a delay cannot be absorbed otherwise. Returns the plan and
    {host index: minutes} of the segments it shortened; NoPlan if even that does not fit."""
    check_relay(relay)
    hub = relay.hub_interval()
    gap = timedelta(minutes=relay.gap_minutes)
    segments: list[Segment] = []
    shortened: dict[int, int] = {}
    cursor: datetime | None = None
    for index, host in enumerate(relay.hosts):
        shortest = timedelta(minutes=max(1, math.ceil(host.minutes * shortest_share)))
        placed = _first_fit(_host_intervals(relay, host, hub), cursor, gap, shortest)
        if placed is None:
            raise _no_room(relay, hub, index, cursor, gap, shortest)
        start, end = placed[0], min(placed[1], placed[0] + timedelta(minutes=host.minutes))
        minutes = int((end - start).total_seconds() // 60)
        if minutes < host.minutes:
            shortened[index] = minutes
        idle = 0 if cursor is None else int((start - cursor - gap).total_seconds() // 60)
        segments.append(Segment(host, index, start, end, idle))
        cursor = end
    span = int((segments[-1].end - segments[0].start).total_seconds() // 60)
    return Plan(
        relay, tuple(segments), sum(s.idle_before_minutes for s in segments), span
    ), shortened


def _no_room(
    relay: Relay,
    hub: tuple[datetime, datetime],
    index: int,
    cursor: datetime | None,
    gap: timedelta,
    length: timedelta,
) -> NoPlan:
    host = relay.hosts[index]
    zone = ZoneInfo(host.tz)
    begin = hub[0] if cursor is None else cursor + gap
    minutes = int(length.total_seconds() // 60)
    return NoPlan(
        f"{host.city} would be on air {_clock(begin, zone)}–{_clock(begin + length, zone)} "
        f"for even a {minutes}-minute segment, outside its window "
        f"{_describe_window(relay, host)} or {_describe_hub(relay, hub)}",
        host=host.city,
        index=index,
    )


def _first_fit(
    intervals: list[tuple[datetime, datetime]],
    cursor: datetime | None,
    gap: timedelta,
    shortest: timedelta,
) -> tuple[datetime, datetime] | None:
    for start, end in intervals:
        begin = start if cursor is None else max(start, cursor + gap)
        if end - begin >= shortest:
            return begin, end
    return None
