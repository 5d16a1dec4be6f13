"""The mail outbox against a real SMTP server: how fast queued mail leaves, beside sending the
same messages straight to the server.

    .venv/bin/python bench/mail.py [--messages 300] [--rounds 3] [--postgres]

The SMTP server: aiosmtpd on 127.0.0.1, in a thread of this process, keeping nothing but a
count (a real mail server would take longer per message than this one, which flatters every
variant alike).

Each round runs, in turn, on the same N messages (the meeting invitation's size: a text part,
a text/calendar alternative and an .ics file):
- outbox: N rows queued in one transaction (`server.mail.outbox.queue`), then one
  `MailSweeper.sweep()` on a fresh database; it claims each message with a conditional UPDATE,
  sends it with aiosmtplib (a connection per message) and marks it sent;
- direct: the same N messages sent with `aiosmtplib.send`, a connection per message, with no
  database: what the transport alone costs;
- one connection: the N messages over one SMTP connection: the floor for this server.

Printed per round and as medians over rounds: messages per second, and the outbox's time
against each baseline's (the ratio is what the outbox adds). With `--postgres` the outbox
uses a database on 127.0.0.1:5432 that the benchmark creates and drops; else a SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.clock import SystemClock
from server.db import Database
from server.mail.models import OutboxMail
from server.mail.outbox import Attachment, message, queue
from server.mail.sweeper import MailSweeper
from server.mail.transport import SmtpTransport
from server.migrate import upgrade
from tests.servers import free_port

SENDER = "Pavilion <no-reply@pavilion.bench>"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    + b"DESCRIPTION:"
    + b"x" * 1500
    + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@dataclass
class Counter:
    received: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


def _queue_all(db: Any, clock: SystemClock, n: int) -> None:
    for i in range(n):
        queue(
            db,
            clock,
            to_email=f"guest{i}@pavilion.bench",
            to_name=f"Guest {i}",
            subject=f"Meeting at Kamturbo Works #{i}",
            body="Hello,\n\na meeting at the stand of Kamturbo Works is booked.\n" * 4,
            attachments=(
                Attachment("meeting.ics", "text/calendar; method=REQUEST; charset=utf-8", ICS),
            ),
        )


async def run_outbox(url: str, port: int, n: int, counter: Counter) -> float:
    database = Database(url)
    clock = SystemClock()
    try:
        async with database.session() as db:
            _queue_all(db, clock, n)
            await db.commit()
        sweeper = MailSweeper(
            database, clock, SmtpTransport.from_url(f"smtp://127.0.0.1:{port}"), SENDER
        )
        before = counter.received
        started = time.perf_counter()
        sent = await sweeper.sweep()
        elapsed = time.perf_counter() - started
        assert sent == n and counter.received - before == n, (sent, counter.received - before)
        return elapsed
    finally:
        await database.dispose()


def _messages(n: int) -> list[EmailMessage]:
    now = datetime.now(UTC)
    made = []
    for i in range(n):
        row = OutboxMail(
            id=i + 1,
            to_email=f"guest{i}@pavilion.bench",
            to_name=f"Guest {i}",
            subject=f"Meeting at Kamturbo Works #{i}",
            body="Hello,\n\na meeting at the stand of Kamturbo Works is booked.\n" * 4,
            attachments=[],
            created_at=now,
            due_at=now,
        )
        msg = message(row, SENDER)
        msg.add_attachment(ICS, maintype="text", subtype="calendar", filename="meeting.ics")
        made.append(msg)
    return made


async def run_direct(port: int, n: int, counter: Counter) -> float:
    messages = _messages(n)
    before = counter.received
    started = time.perf_counter()
    for msg in messages:
        await aiosmtplib.send(msg, hostname="127.0.0.1", port=port, start_tls=False)
    elapsed = time.perf_counter() - started
    assert counter.received - before == n
    return elapsed


async def run_one_connection(port: int, n: int, counter: Counter) -> float:
    messages = _messages(n)
    before = counter.received
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        for msg in messages:
            await smtp.send_message(msg)
    elapsed = time.perf_counter() - started
    assert counter.received - before == n
    return elapsed


async def fresh_database(postgres: bool, folder: Path, round_no: int) -> tuple[str, Any]:
    if not postgres:
        url = f"sqlite+aiosqlite:///{folder / f'mail-{round_no}.db'}"
        await upgrade(url)
        return url, None
    from contextlib import AsyncExitStack

    from tests.conftest import postgres_database

    stack = AsyncExitStack()
    url = await stack.enter_async_context(postgres_database())
    await upgrade(url)
    return url, stack


async def main(args: argparse.Namespace) -> None:
    n = args.messages
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    results: dict[str, list[float]] = {"outbox": [], "direct": [], "one connection": []}
    print("Pavilion mail: the outbox against sending straight to an SMTP server")
    print(f"python:   {sys.version.split()[0]}; aiosmtplib {aiosmtplib.__version__}")
    print(
        f"database: {'PostgreSQL on 127.0.0.1:5432' if args.postgres else 'SQLite (WAL), a file'}"
    )
    print(
        f"messages: {n} per run, {len(_messages(1)[0].as_bytes()):,} bytes each, "
        f"{args.rounds} rounds\n"
    )
    print(f"{'round':<7}{'variant':<16}{'seconds':>9}{'msg/s':>9}")
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_no in range(1, args.rounds + 1):
                url, stack = await fresh_database(args.postgres, Path(folder), round_no)
                try:
                    runs = {
                        "outbox": lambda url=url: run_outbox(url, port, n, counter),
                        "direct": lambda: run_direct(port, n, counter),
                        "one connection": lambda: run_one_connection(port, n, counter),
                    }
                    for name, run in runs.items():
                        seconds = await run()
                        results[name].append(seconds)
                        print(f"{round_no:<7}{name:<16}{seconds:>9.2f}{n / seconds:>9.0f}")
                finally:
                    if stack is not None:
                        await stack.aclose()
    finally:
        controller.stop()
    median = {name: statistics.median(times) for name, times in results.items()}
    print("\nmedians over rounds")
    for name, seconds in median.items():
        print(f"  {name:<16}{n / seconds:>7.0f} msg/s  ({seconds * 1000 / n:.1f} ms per message)")
    print(f"  outbox / direct:         {median['outbox'] / median['direct']:.2f}x the time")
    print(f"  outbox / one connection: {median['outbox'] / median['one connection']:.2f}x the time")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    asyncio.run(main(parser.parse_args()))
