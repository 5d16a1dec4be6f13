"""Queueing messages and delivering them.

`queue` adds a message to the caller's session, to be committed with the rest of its work.
`deliver` sends what is due, a batch at a time over one SMTP connection. The batch is first
claimed with one conditional UPDATE that moves its `due_at` past the time a send may take, so two
nodes never send the same message, and a node that dies mid-send leaves the rest to be tried
again; each message is marked sent as soon as the server took it. A failure is retried after 1,
2, 4 … minutes (at most an hour apart), and given up after MAX_ATTEMPTS, with the reason kept."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from server.clock import Clock
from server.mail.models import OutboxMail
from server.mail.transport import Transport

log = logging.getLogger("pavilion.mail")

MAX_ATTEMPTS = 8
KEEP_SENT = timedelta(days=30)  # sent messages are kept this long (what went to whom), then go
KEEP_FAILED = timedelta(days=90)  # messages given up on, kept longer for someone to look into
CLAIM = timedelta(minutes=5)  # longer than any send (the SMTP timeout is 30 s)
BATCH = 20


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    data: bytes


def queue(
    db: AsyncSession,
    clock: Clock,
    *,
    to_email: str,
    to_name: str = "",
    subject: str,
    body: str,
    attachments: tuple[Attachment, ...] = (),
) -> OutboxMail | None:
    """A message to send once the caller's transaction commits (the caller commits); None
    when it is to an address that cannot receive mail."""
    if undeliverable(to_email):
        # The .invalid top-level domain never receives mail (RFC 2606): it is where the
        # synthetic accounts of a rehearsal live (server/rehearsals/). Queued, their mail would
        # only bounce, retry and crowd the queue during the very load it rehearses.
        log.debug("mail to %s not queued: the address cannot receive mail", to_email)
        return None
    now = clock.now()
    mail = OutboxMail(
        to_email=to_email,
        to_name=to_name,
        subject=subject,
        body=body,
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
        created_at=now,
        due_at=now,
    )
    db.add(mail)
    return mail


def undeliverable(address: str) -> bool:
    """Whether the address is in the .invalid top-level domain (RFC 2606)."""
    domain = address.strip().rsplit("@", 1)[-1].rstrip(".").lower()
    return domain == "invalid" or domain.endswith(".invalid")


def message(mail: OutboxMail, sender: str) -> EmailMessage:
    """The MIME message: the text, and each attachment. A calendar invitation is also the
    message's alternative part (text/calendar; method=…), which is how mail clients recognise
    an invitation and show Accept/Decline; the .ics file is for the others."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((mail.to_name, mail.to_email)) if mail.to_name else mail.to_email
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain=_domain(sender))
    msg.set_content(mail.body)
    calendars = [a for a in mail.attachments if a["content_type"].startswith("text/calendar")]
    for item in calendars[:1]:
        maintype, subtype, params = _split(item["content_type"])
        msg.add_alternative(base64.b64decode(item["data"]).decode(), subtype=subtype, params=params)
    for item in mail.attachments:
        maintype, subtype, params = _split(item["content_type"])
        msg.add_attachment(
            base64.b64decode(item["data"]),
            maintype=maintype,
            subtype=subtype,
            filename=item["filename"],
            params=params,
        )
    return msg


def _split(content_type: str) -> tuple[str, str, dict[str, str]]:
    kind, *rest = [part.strip() for part in content_type.split(";")]
    maintype, subtype = kind.split("/", 1)
    params = dict(part.split("=", 1) for part in rest if "=" in part)
    return maintype, subtype, params


def _domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "pavilion.localhost"


def retry_after(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** (attempts - 1)))


async def deliver(db: AsyncSession, clock: Clock, transport: Transport, sender: str) -> int:
    """Send what is due (a batch, over one connection); how many were sent."""
    claimed = await _claim(db, clock.now())
    if not claimed:
        return 0
    mails = list(
        (
            await db.exec(
                select(OutboxMail)
                .where(col(OutboxMail.id).in_(claimed))
                .order_by(col(OutboxMail.id))
            )
        ).all()
    )
    sent = 0
    async with transport.connection() as send:
        for index, mail in enumerate(mails):
            try:
                await send(message(mail, sender))
            except Exception as error:  # any transport failure: kept, and retried
                # The server is down or refusing: the rest of the batch waits with this one
                # rather than each waiting out its own timeout (and outliving the claim).
                await _failed(db, clock, mails[index:], error)
                return sent
            mail.sent_at = clock.now()
            mail.last_error = None
            db.add(mail)
            await db.commit()  # one by one: a crash mid-batch resends none already sent
            log.info("mail %s sent to %s", mail.id, mail.to_email)
            sent += 1
    return sent


async def _claim(db: AsyncSession, now: datetime) -> list[int]:
    """Claim up to BATCH due messages for this node, in one UPDATE: their `due_at` moves past
    the time a send may take, so another node's claim (also `due_at <= now`) misses them."""
    due = (
        select(OutboxMail.id)
        .where(col(OutboxMail.sent_at).is_(None), col(OutboxMail.failed_at).is_(None))
        .where(col(OutboxMail.due_at) <= now)
        .order_by(col(OutboxMail.due_at), col(OutboxMail.id))
        .limit(BATCH)
    )
    ids = list((await db.exec(due)).all())
    if not ids:
        return []
    claimed = await db.exec(
        update(OutboxMail)
        .where(col(OutboxMail.id).in_(ids), col(OutboxMail.due_at) <= now)
        .where(col(OutboxMail.sent_at).is_(None), col(OutboxMail.failed_at).is_(None))
        .values(due_at=now + CLAIM, attempts=OutboxMail.attempts + 1)
        .returning(col(OutboxMail.id))
    )
    mine = [int(row) for row in claimed.scalars().all()]
    await db.commit()
    return mine


async def _failed(
    db: AsyncSession, clock: Clock, mails: list[OutboxMail], error: Exception
) -> None:
    """These could not be sent: each is tried again later, or given up after MAX_ATTEMPTS."""
    now = clock.now()
    reason = f"{type(error).__name__}: {error}"[:500]
    for mail in mails:
        mail.last_error = reason
        if mail.attempts >= MAX_ATTEMPTS:
            mail.failed_at = now
            log.error("mail %s to %s given up: %s", mail.id, mail.to_email, reason)
        else:
            mail.due_at = now + retry_after(mail.attempts)
            log.warning(
                "mail %s to %s failed, retried at %s: %s",
                mail.id,
                mail.to_email,
                mail.due_at.isoformat(),
                reason,
            )
        db.add(mail)
    await db.commit()


async def waiting(db: AsyncSession) -> int:
    """Messages not sent yet and not given up on (the mail queue)."""
    query = select(func.count()).where(
        col(OutboxMail.sent_at).is_(None), col(OutboxMail.failed_at).is_(None)
    )
    return int((await db.exec(query)).one())


async def purge(db: AsyncSession, now: datetime) -> int:
    """Forget messages sent more than KEEP_SENT ago and given up more than KEEP_FAILED ago;
    how many."""
    gone = await db.exec(
        delete(OutboxMail).where(
            or_(
                col(OutboxMail.sent_at) < now - KEEP_SENT,
                col(OutboxMail.failed_at) < now - KEEP_FAILED,
            )
        )
    )
    await db.commit()
    return int(gone.rowcount)
