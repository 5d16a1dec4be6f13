"""Rendering the program in-process: what a cache miss costs, beside plain `json.dumps`.

    .venv/bin/python bench/program_render.py [--sessions 1000] [--repeat 15]

A forum of `--sessions` sessions (the same generator as bench/program.py) is imported into a
fresh SQLite database. Then, repeated `--repeat` times in alternation, it times:

- load: reading the program from SQLite as rows (`service.load_program`);
- prepare: serialising every session's viewer-independent part (once per program version
  and language; `rendering.prepare`);
- render: one viewer's answer from the prepared program (`rendering.program_json`), for a
  different zone each time: the cost of a new zone after the program changed;
- baseline: `json.dumps` of that same answer as a parsed document, i.e. the least it could
  cost to produce those bytes from a dict already in memory.

It prints medians in milliseconds and the ratio render/baseline (below 1: cheaper than
merely serialising the document). Figures to compare, never a verdict: machines are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from program import build_forum, program_document

from server.db import Database
from server.program import service
from server.program.rendering import prepare, program_json
from server.program.views import ProgramFilter
from server.zones import parse_zone

ZONES = ["Asia/Jakarta", "Europe/Berlin", "Pacific/Auckland", "America/Argentina/Buenos_Aires"]


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = run()
    return result, (time.perf_counter() - started) * 1000


async def measure(url: str, repeat: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"load": [], "prepare": [], "render": [], "baseline": []}
    database = Database(url)
    try:
        for index in range(repeat):
            async with database.session() as db:
                forum = await service.get_forum(db, "bench-forum")
                started = time.perf_counter()
                data = await service.load_program(db, forum)
                figures["load"].append((time.perf_counter() - started) * 1000)
            prepared, ms = timed(lambda data=data: prepare(data, "en"))
            figures["prepare"].append(ms)
            zone = parse_zone(ZONES[index % len(ZONES)])
            body, ms = timed(lambda p=prepared, z=zone: program_json(p, z, ProgramFilter()))
            figures["render"].append(ms)
            document = json.loads(body)
            dumped, ms = timed(
                lambda d=document: json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode()
            )
            figures["baseline"].append(ms)
            assert len(dumped) == len(body)
    finally:
        await database.dispose()
    return figures


def report(figures: dict[str, list[float]], sessions: int) -> None:
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"{'':10}{'median ms':>11}{'min ms':>9}{'max ms':>9}")
    for name, values in figures.items():
        print(f"{name:10}{medians[name]:>11.1f}{min(values):>9.1f}{max(values):>9.1f}")
    ratio = medians["render"] / medians["baseline"]
    first = medians["load"] + medians["prepare"] + medians["render"]
    print(f"render/baseline: {ratio:.2f}x  (a new zone after a change, vs json.dumps alone)")
    print(
        f"first request after a change (load + prepare + render): {first:.1f} ms, "
        f"{sessions} sessions"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pavilion-render-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(build_forum(url, program_document(args.sessions)))
        print(f"python {sys.version.split()[0]}; {args.sessions} sessions; {args.repeat} repeats")
        report(asyncio.run(measure(url, args.repeat)), args.sessions)


if __name__ == "__main__":
    main()
