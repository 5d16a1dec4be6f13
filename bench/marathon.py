"""Planning time of the marathon planner for 8, 12 and 16 capitals, beside the plain search.

    .venv/bin/python bench/marathon.py [--repeat 7]

For each relay it times, alternating run by run so that both see the same machine:

- planner: `plan_relay` as the API and the CLI call it (bounded, exact subset search);
- plain: the general exact search alone (`prune=False`): dynamic programming over every
  reachable subset with a Pareto front of partial relays, without the no-idle shortcut,
  the bounds or the merging of identical hosts. (Trying every order is no baseline at
  all: 16! orders.)

Both searches must return the same plan; the script says so if they do not. It prints
medians in milliseconds and the ratio planner/plain. Figures, never a verdict.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.marathon.planner import Host, NoPlan, Plan, Relay, plan_relay
from server.marathon.windows import parse_window

# Capitals roughly east to west; the first 8 are the forum's seed capitals, in another order.
CAPITALS = [
    ("Jakarta", "Asia/Jakarta"),
    ("Beijing", "Asia/Shanghai"),
    ("Tashkent", "Asia/Tashkent"),
    ("Cairo", "Africa/Cairo"),
    ("Paris", "Europe/Paris"),
    ("Berlin", "Europe/Berlin"),
    ("Rome", "Europe/Rome"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Tokyo", "Asia/Tokyo"),
    ("Delhi", "Asia/Kolkata"),
    ("Kathmandu", "Asia/Kathmandu"),
    ("Tehran", "Asia/Tehran"),
    ("Hanoi", "Asia/Ho_Chi_Minh"),
    ("Abu Dhabi", "Asia/Dubai"),
    ("Ankara", "Europe/Istanbul"),
    ("Seoul", "Asia/Seoul"),
]


def relay(count: int, *, minutes: int, window: str, hub_window: str) -> Relay:
    hosts = tuple(
        Host(city, tz, minutes, window=parse_window(window, field="window"))
        for city, tz in CAPITALS[:count]
    )
    return Relay(
        day=date(2026, 7, 7),
        hub_tz="Europe/Moscow",
        hub_window=parse_window(hub_window, field="hub"),
        gap_minutes=5,
        hosts=hosts,
    )


CASES = [
    ("8 capitals, 45 min", relay(8, minutes=45, window="09:00-21:00", hub_window="08:00-23:00")),
    ("12 capitals, 45 min", relay(12, minutes=45, window="09:00-21:00", hub_window="08:00-23:00")),
    ("16 capitals, 40 min", relay(16, minutes=40, window="09:00-21:00", hub_window="08:00-23:00")),
    (
        "16 capitals, 50 min, wide windows (hard)",
        relay(16, minutes=50, window="06:00-23:00", hub_window="00:00-24:00"),
    ),
]


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    try:
        result = run()
    except NoPlan as refusal:
        result = refusal.message
    return result, (time.perf_counter() - started) * 1000


def summary(result: Plan | str) -> str:
    if isinstance(result, str):
        return f"no plan: {result[:70]}…"
    order = " → ".join(s.host.city for s in result.segments)
    return f"idle {result.idle_minutes} min, span {result.span_minutes} min: {order}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"medians of {args.repeat} runs, milliseconds")
    print(f"{'relay':44} {'planner':>9} {'plain':>9} {'ratio':>6}")
    for name, r in CASES:
        fast, slow = [], []
        answers = set()
        for _ in range(args.repeat):
            plan, took = timed(lambda r=r: plan_relay(r))
            fast.append(took)
            plain, took = timed(lambda r=r: plan_relay(r, prune=False))
            slow.append(took)
            answers.add((summary(plan), summary(plain)))
        a, b = statistics.median(fast), statistics.median(slow)
        print(f"{name:44} {a:9.1f} {b:9.1f} {a / b:6.2f}")
        for mine, theirs in answers:
            print(f"    {mine}")
            if mine != theirs:
                print(f"    DIFFERENT from the plain search: {theirs}")


if __name__ == "__main__":
    main()
