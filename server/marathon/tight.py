"""The planner's common case: a relay with no idle time at all, found by its start instant.

A relay without idle time is packed tight: once its first segment starts at S, host j starts
at S + o_j (o_j: the lengths and handovers before it). So for each set of hosts it is enough
to know the set of starts S from which some order packs them tight inside their windows: a
union of intervals, usually one or two, where the general search keeps a Pareto front of
partial relays. The earliest S from which every host packs gives the most compact relay
(idle 0, earliest end); then, with S fixed, a scalar search over subsets picks the order with
the fewest pairs out of east-to-west order. Seconds are counted from the hub window's opening.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol


class _Piece(Protocol):
    @property
    def earliest(self) -> int: ...

    @property
    def latest(self) -> int: ...


class TightSearch(Protocol):
    """What the planner's subset search offers (see planner._Search)."""

    @property
    def pieces(self) -> Sequence[Sequence[_Piece]]: ...

    @property
    def steps(self) -> Sequence[int]: ...

    @property
    def later(self) -> Sequence[int]: ...

    def candidates(self, mask: int, position: int) -> list[int]: ...

    def latest_left(self, mask: int) -> int: ...


def _start_bits(pieces: Sequence[_Piece], origin: int, unit: int) -> int:
    """Bit t set when the host may start at origin + t * unit seconds."""
    bits = 0
    for piece in pieces:
        first = -(-(piece.earliest - origin) // unit)
        last = (piece.latest - origin) // unit
        if first <= last:
            bits |= ((1 << (last - first + 1)) - 1) << first
    return bits


def earliest_tight_start(search: TightSearch, count: int) -> int | None:
    """The earliest S from which all `count` hosts pack tight in some order, or None.

    Each subset holds, as the bits of one integer, every instant T at which the next host
    could start after packing the subset tight: T = S + its length, the same for every order
    of it, so one shift per step carries a whole set of starts along."""
    unit = _unit(search)
    origin = min(p.earliest for pieces in search.pieces for p in pieces)
    starts = [_start_bits(pieces, origin, unit) for pieces in search.pieces]
    steps = [step // unit for step in search.steps]
    layer = {0: (1 << (max(p.latest for ps in search.pieces for p in ps) - origin) // unit + 1) - 1}
    for size in range(count):
        following: dict[int, int] = {}
        for mask, reach in layer.items():
            for host in search.candidates(mask, size + 1):
                fits = reach & starts[host]
                if fits:
                    new_mask = mask | 1 << host
                    following[new_mask] = following.get(new_mask, 0) | fits << steps[host]
        if not following:
            return None
        layer = following
    ((_, reach),) = layer.items()
    low = (reach & -reach).bit_length() - 1
    return origin + (low - sum(steps)) * unit


def _unit(search: TightSearch) -> int:
    """The coarsest grid that holds every start exactly (a minute at worst)."""
    unit = 0
    for step in search.steps:
        unit = math.gcd(unit, step)
    for pieces in search.pieces:
        for piece in pieces:
            unit = math.gcd(unit, piece.earliest, piece.latest)
    return max(unit, 60) if unit % 60 == 0 else 60


def fewest_inversions(search: TightSearch, count: int, start: int) -> list[tuple[int, int]]:
    """The tight order from `start` with the fewest pairs out of east-to-west order, as
    (host, piece) pairs. `start` must come from earliest_tight_start."""
    # mask -> (inversions, offset, the order so far)
    layer: dict[int, tuple[int, int, tuple[tuple[int, int], ...]]] = {0: (0, 0, ())}
    for size in range(count):
        following: dict[int, tuple[int, int, tuple[tuple[int, int], ...]]] = {}
        for mask, (inversions, offset, order) in layer.items():
            at = start + offset
            for host in search.candidates(mask, size + 1):
                piece = _piece_at(search.pieces[host], at)
                new_mask = mask | 1 << host
                step = offset + search.steps[host]
                if piece is None or start + step > search.latest_left(new_mask):
                    continue
                total = inversions + (mask & search.later[host]).bit_count()
                known = following.get(new_mask)
                if known is None or total < known[0]:
                    following[new_mask] = (total, step, (*order, (host, piece)))
        layer = following
    ((_, _, order),) = layer.values()
    return list(order)


def _piece_at(pieces: Sequence[_Piece], at: int) -> int | None:
    for index, piece in enumerate(pieces):
        if piece.earliest <= at <= piece.latest:
            return index
    return None
