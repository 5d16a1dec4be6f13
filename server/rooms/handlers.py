"""The room operations of the socket (DESIGN.md section 9): each a parsed payload and a few
lines that call the feature's service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from server.params import Id
from server.realtime.dispatch import Context, Operation
from server.rooms import announcements, calls, chat, hands, polls, qa
from server.rooms.access import RoomKind
from server.rooms.models import PollResults, PollState
from server.rooms.presence import counts_and_people
from server.rooms.tally import Tally
from server.unit import call_after

REACTIONS = ("👏", "👍", "❤️", "🔥", "😂", "🤔", "🎉")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatSend(_Data):
    text: Text


class ChatEdit(_Data):
    message: Id
    text: Text


class ChatDelete(_Data):
    message: Id


class ChatMute(_Data):
    user: Id
    minutes: int = Field(default=15, ge=0, le=7 * 24 * 60)


class Settings(_Data):
    slow_mode_seconds: int | None = Field(default=None, ge=0, le=3600)
    premoderation: bool | None = None


class Ask(_Data):
    text: Short
    anonymous: bool = False


class QuestionRef(_Data):
    question: Id


class Toggle(QuestionRef):
    value: bool = True


class PollCreate(_Data):
    question: Short
    options: list[Label] = Field(min_length=2, max_length=10)
    multiple: bool = False
    results: PollResults = PollResults.after_vote


class PollRef(_Data):
    poll: Id


class PollVote(PollRef):
    choices: list[int] = Field(min_length=1, max_length=10)


class Reaction(_Data):
    emoji: Literal[REACTIONS]  # type: ignore[valid-type]


class Nothing(_Data):
    pass


class Someone(_Data):
    user: Id | None = None


class Person(_Data):
    user: Id


class Announce(_Data):
    text: Text


class CallSignal(_Data):
    """WebRTC signalling between the two people of a private room."""

    kind: Literal["offer", "answer", "candidate", "hangup"]
    # Which call: made up by the side that offers, repeated by every later message of it, so
    # that a late message of a call that ended is not taken for one of the next.
    call: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")
    # Why a call ended: hung up, declined, the callee was in another call, nobody answered,
    # or the connection could not be made.
    reason: Literal["ended", "declined", "busy", "unanswered", "failed"] | None = None
    sdp: str | None = Field(default=None, max_length=32_000)
    candidate: dict[str, str | int | None] | None = None
    video: bool = True


async def _no_stage(session_id: int, user_id: int) -> None:
    """Without a stage, a lowered hand holds no seat to end."""


def operations(
    tally: Tally,
    seat_ended: Callable[[int, int], Awaitable[None]] = _no_stage,
    call_listener: calls.CallListener = calls.nobody_listens,
) -> dict[str, Operation[Any]]:
    """Every room operation, by name. `seat_ended(session, user)` runs when a raised hand is
    lowered: an invited hand is a guest's seat on the stage, which ends with it.
    `call_listener` hears of each call offered in a private room (calls.py)."""

    async def call_signal(c: Context, d: CallSignal) -> dict[str, Any]:
        payload = d.model_dump(exclude={"kind"}, exclude_none=True)
        return await calls.signal(c.db, c.clock, c.admission, d.kind, payload, call_listener)

    async def chat_send(c: Context, d: ChatSend) -> dict[str, Any]:
        return await chat.send(c.db, c.clock, c.admission, c.user, d.text)

    async def chat_edit(c: Context, d: ChatEdit) -> dict[str, Any]:
        return await chat.edit(c.db, c.clock, c.admission, d.message, d.text)

    async def chat_delete(c: Context, d: ChatDelete) -> dict[str, Any]:
        return await chat.delete(c.db, c.clock, c.admission, d.message)

    async def chat_mute(c: Context, d: ChatMute) -> dict[str, Any]:
        return await chat.mute(c.db, c.clock, c.admission, d.user, d.minutes)

    async def room_settings(c: Context, d: Settings) -> dict[str, Any]:
        changes = d.model_dump(exclude_none=True)
        return await chat.update_settings(c.db, c.admission, changes)

    async def qa_ask(c: Context, d: Ask) -> dict[str, Any]:
        return await qa.ask(c.db, c.clock, c.admission, d.text, d.anonymous)

    async def qa_upvote(c: Context, d: QuestionRef) -> dict[str, Any]:
        return await qa.upvote(c.db, tally, c.admission, d.question)

    def qa_moderation(action: str) -> Operation[Toggle]:
        async def handler(c: Context, d: Toggle) -> dict[str, Any]:
            return await qa.moderate(c.db, c.admission, d.question, action, d.value)

        return Operation(Toggle, handler)

    async def poll_create(c: Context, d: PollCreate) -> dict[str, Any]:
        return await polls.create(
            c.db, c.clock, c.admission, d.question, d.options, d.multiple, d.results
        )

    def poll_move(to: PollState) -> Operation[PollRef]:
        async def handler(c: Context, d: PollRef) -> dict[str, Any]:
            return await polls.move(c.db, c.admission, d.poll, to)

        return Operation(PollRef, handler)

    async def poll_vote(c: Context, d: PollVote) -> dict[str, Any]:
        return await polls.vote(c.db, tally, c.admission, d.poll, d.choices)

    async def reaction_send(c: Context, d: Reaction) -> dict[str, Any]:
        c.admission.need_kind(RoomKind.session)
        tally.reaction(c.room, d.emoji)
        return {"emoji": d.emoji}

    async def hand_raise(c: Context, d: Nothing) -> dict[str, Any]:
        return await hands.raise_hand(c.db, c.clock, c.admission)

    async def hand_lower(c: Context, d: Someone) -> dict[str, Any]:
        lowered = await hands.lower(c.db, c.admission, d.user)
        session_id = c.admission.session_id
        assert session_id is not None
        call_after(c.db, lambda: seat_ended(session_id, lowered["user"]))
        return lowered

    async def hand_invite(c: Context, d: Person) -> dict[str, Any]:
        return await hands.invite(c.db, c.admission, d.user)

    async def announce(c: Context, d: Announce) -> dict[str, Any]:
        return await announcements.announce(c.db, c.clock, c.admission, d.text)

    async def presence_list(c: Context, d: Nothing) -> dict[str, Any]:
        c.admission.need_moderator()
        counts, people = await counts_and_people(
            c.db, c.admission.public_room, await c.bus.presence(c.admission.public_room)
        )
        return {**counts, "people": people}

    return {
        "chat.send": Operation(ChatSend, chat_send),
        "chat.edit": Operation(ChatEdit, chat_edit),
        "chat.delete": Operation(ChatDelete, chat_delete),
        "chat.mute": Operation(ChatMute, chat_mute),
        "room.settings": Operation(Settings, room_settings),
        "qa.ask": Operation(Ask, qa_ask),
        "qa.upvote": Operation(QuestionRef, qa_upvote),
        "qa.approve": qa_moderation("approve"),
        "qa.pin": qa_moderation("pin"),
        "qa.answer": qa_moderation("answer"),
        "qa.archive": qa_moderation("archive"),
        "poll.create": Operation(PollCreate, poll_create),
        "poll.open": poll_move(PollState.open),
        "poll.close": poll_move(PollState.closed),
        "poll.vote": Operation(PollVote, poll_vote),
        "reaction.send": Operation(Reaction, reaction_send),
        "hand.raise": Operation(Nothing, hand_raise),
        "hand.lower": Operation(Someone, hand_lower),
        "hand.invite": Operation(Person, hand_invite),
        "announce": Operation(Announce, announce),
        "presence.list": Operation(Nothing, presence_list),
        "call.signal": Operation(CallSignal, call_signal),
    }
