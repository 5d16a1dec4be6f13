"""The rehearsal's audience as Locust users, in a process of its own (gevent patches the whole
process on import: `python -m server.rehearse.swarm PLAN.json`).

Each attendee signs in, registers for the session, opens a room socket and joins its room, then,
until the run ends: chats, asks, upvotes visible questions, votes in open polls, reacts, walks
the showrooms (now and then ringing a stand) and watches the stage's HLS stream (unless it
watches over WebRTC, in viewers.py). One moderator account runs polls. HTTP goes through
Locust's FastHttpUser; the room socket through websocket-client, each operation reported to
the same `request` event as HTTP (request_type "WS"). A 429, a 503 or a `rate_limited` reply is
a figure for the report, and the user waits as it was told to.

Progress goes to standard output, one JSON line per interval ("tick"), then the whole run
("final"); SIGTERM, the end of the plan's time, or the parent going away stop the users first.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sys
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import gevent
from gevent.event import AsyncResult
from locust import FastHttpUser, between, task
from locust.env import Environment
from locust.exception import StopUser

from server.rehearse.plan import Plan, emit
from server.rehearse.steps import Steps

if TYPE_CHECKING:  # imported where used: after Locust's monkey-patching (it imports ssl)
    import websocket

EMOJI = ("👏", "👍", "❤️", "🔥", "🎉", "🤔")
CHAT = (
    "Hello from the rehearsal",
    "Can you hear the panel well?",
    "Great point about supply chains",
    "Is the presentation going to be shared?",
    "Greetings from the online audience",
)
QUESTIONS = (
    "How will localisation change equipment exports?",
    "What financing is there for joint ventures?",
    "Which standards apply to imported machinery?",
    "How long does certification take?",
)
SEARCHES = ("turbine", "valve", "pump", "steel", "energy", "станок", "logistics")
REPLY_SECONDS = 15.0
ATTEMPTS = 3  # of a registration or a room join refused for load, before the user goes on
HLS_IDLE_SECONDS = 10.0  # between playlist checks while nothing is on air


class Refused(Exception):
    """A failure as the report names it: "503 busy (password_hash)", "rate_limited"."""


class Audience:
    """What the users of this process share: the plan, the accounts not yet taken, the
    figures, and the stands found so far (for rings)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.accounts = deque(plan.attendees)
        self.webrtc = frozenset(plan.webrtc)
        self.steps = Steps()
        self.stands: list[str] = []
        self.running = True


AUDIENCE: Audience  # set by main(): Locust instantiates user classes itself


def on_request(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    exception: BaseException | None = None,
    **_: Any,
) -> None:
    """Every request, HTTP or WS, into the figures (Locust's own stats keep theirs too)."""
    error = None if exception is None else (str(exception) or type(exception).__name__)
    AUDIENCE.steps.record(f"{request_type} {name}", response_time, error)


def _kind(status: int, body: str) -> str:
    """`503 busy (password_hash)` from a status and the error body, when there is one."""
    try:
        error = json.loads(body).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code") if isinstance(error, dict) else None
    kind = f"{status} {code}" if code else str(status)
    bound = error.get("bound") if isinstance(error, dict) else None
    return f"{kind} ({bound})" if bound else kind


def _retry_after(headers: Any, default: float = 1.0) -> float:
    try:
        return max(0.1, float(headers.get("retry-after") or default))
    except (TypeError, ValueError):
        return default


class Person(FastHttpUser):
    """A rehearsal account: signed in, registered, in the session's room."""

    abstract = True
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.email = self.account()
        self.token = ""
        self.greenlets: list[gevent.Greenlet] = []
        self.socket: websocket.WebSocket | None = None
        self.waiting: dict[int, AsyncResult] = {}
        self.ids = itertools.count(1)
        self.questions: set[int] = set()
        self.upvoted: set[int] = set()
        self.polls: dict[int, int] = {}  # open poll -> its number of options
        self.voted: set[int] = set()
        self.sign_in()
        self.register()
        self.enter_room()

    def account(self) -> str:
        raise NotImplementedError

    def on_stop(self) -> None:
        for greenlet in self.greenlets:
            greenlet.kill(block=False)
        if self.socket is not None:
            self.socket.close()

    # --- HTTP ---------------------------------------------------------------------------------

    def api(self, method: str, path: str, name: str, body: Any = None) -> Any:
        """The JSON answer of a 2xx, else None (the failure recorded by its kind; after a 429
        or 503 the user waits Retry-After)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        with self.client.request(
            method, path, name=name, json=body, headers=headers, catch_response=True
        ) as response:
            status = response.status_code or 0
            if 200 <= status < 300:
                response.success()
                try:
                    return response.json() if response.text else {}
                except ValueError:
                    return {}
            response.failure(Refused(_kind(status, response.text or "")))
            if status in (429, 503):
                gevent.sleep(_retry_after(response.headers))
            return None

    def sign_in(self) -> None:
        """Until it works: a busy Argon2 pool answers 503, and the user waits as told."""
        body = {"email": self.email, "password": AUDIENCE.plan.password}
        while AUDIENCE.running:
            answer = self.api("POST", "/api/v1/auth/login", "auth.login", body)
            if answer is not None:
                self.token = answer["token"]
                return
            gevent.sleep(1)
        raise StopUser()

    def register(self) -> None:
        """As a person would: again after a refusal (the wait was told), a few times."""
        plan = AUDIENCE.plan
        path = f"/api/v1/sessions/{plan.session}/registrations"
        for _ in range(ATTEMPTS):
            if self.api("POST", path, "registration", {"mode": plan.mode}) is not None:
                return

    # --- the room socket ----------------------------------------------------------------------

    def enter_room(self) -> None:
        """Open a socket and join the session's room (again after the server closed it)."""
        import websocket

        url = AUDIENCE.plan.url.replace("http", "ws", 1) + f"/ws?token={quote(self.token)}"
        started = time.perf_counter()
        try:
            self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        except Exception as exc:  # refused at the handshake (429, 503) or unreachable
            self._fire("socket.open", started, Refused(_socket_kind(exc)))
            self.socket = None
            gevent.sleep(2)
            return
        self._fire("socket.open", started, None)
        self.socket.settimeout(None)
        self.greenlets.append(gevent.spawn(self._read, self.socket))
        for _ in range(ATTEMPTS):
            joined = self.ws("room.join", {})
            if joined is not None:
                self._snapshot(joined.get("snapshot") or {})
                return

    def ws(self, op: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """One operation in the session's room: its reply's data, or None (recorded)."""
        if self.socket is None or not self.socket.connected:
            self.enter_room()
            if self.socket is None:
                return None
        frame_id = next(self.ids)
        waiter = self.waiting[frame_id] = AsyncResult()
        frame = {"id": frame_id, "op": op, "room": AUDIENCE.plan.room, "data": data}
        started = time.perf_counter()
        try:
            self.socket.send(json.dumps(frame))
            reply = waiter.get(timeout=REPLY_SECONDS)
        except gevent.Timeout:
            self._fire(op, started, Refused("no reply"))
            return None
        except Exception as exc:  # the socket closed under us
            self._fire(op, started, Refused(f"socket closed ({type(exc).__name__})"))
            return None
        finally:
            self.waiting.pop(frame_id, None)
        if reply.get("ok"):
            self._fire(op, started, None)
            result: dict[str, Any] = reply.get("data") or {}
            return result
        error = reply.get("error") or {}
        detail = error.get("reason") or error.get("bound")  # slow_mode, muted; db_pool...
        code = str(error.get("code"))
        self._fire(op, started, Refused(f"{code} ({detail})" if detail else code))
        if "retry_after" in error:
            gevent.sleep(_retry_after({"retry-after": error["retry_after"]}))
        return None

    def _fire(self, op: str, started: float, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=op,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    def _read(self, socket: websocket.WebSocket) -> None:
        """Replies to their waiters; pushes into what the user knows of the room."""
        try:
            while True:
                raw = socket.recv()
                if not isinstance(raw, str) or not (raw.startswith('{"id"') or _wanted(raw)):
                    continue  # a push the audience does not act on: not worth parsing
                frame = json.loads(raw)
                if "type" in frame:
                    self._push(frame["type"], frame.get("data") or {})
                elif frame.get("id") in self.waiting:
                    self.waiting[frame["id"]].set(frame)
        except Exception:  # closed: by us, by the server (1013, 1008), or the network
            for waiter in list(self.waiting.values()):
                waiter.set_exception(ConnectionError("socket closed"))

    def _snapshot(self, snapshot: dict[str, Any]) -> None:
        for question in snapshot.get("questions") or []:
            if question.get("status") in ("visible", "answered"):
                self.questions.add(int(question["id"]))
        for poll in snapshot.get("polls") or []:
            self._poll(poll)
        me = snapshot.get("me") or {}
        self.upvoted.update(int(q) for q in me.get("votes") or [])
        self.voted.update(int(p) for p in (me.get("poll_votes") or {}))

    def _push(self, kind: str, data: dict[str, Any]) -> None:
        if kind in ("qa.question", "qa.updated"):
            question = data.get("question") or {}
            if question.get("status") in ("visible", "answered"):
                self.questions.add(int(question["id"]))
            else:
                self.questions.discard(int(question.get("id", 0)))
        elif kind == "poll.state":
            self._poll(data.get("poll") or {})

    def _poll(self, poll: dict[str, Any]) -> None:
        if poll.get("state") == "open":
            self.polls[int(poll["id"])] = len(poll.get("options") or [])
        else:
            self.polls.pop(int(poll.get("id", 0)), None)


# Pushes an attendee acts on (questions to upvote, polls to vote in); the room sends many more
# (every chat message, reaction counts, presence) to every member, hundreds a second.
WANTED = ('"qa.question"', '"qa.updated"', '"poll.state"')


def _wanted(raw: str) -> bool:
    return any(marker in raw for marker in WANTED)


def _socket_kind(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    if status:
        return _kind(int(status), getattr(error, "resp_body", b"").decode(errors="replace"))
    return type(error).__name__


class Attendee(Person):
    """Someone in the audience: in the room, in the showrooms, watching the stage."""

    weight = 1

    def account(self) -> str:
        if not AUDIENCE.accounts:
            raise StopUser()
        return AUDIENCE.accounts.popleft()

    def on_start(self) -> None:
        super().on_start()
        if self.email not in AUDIENCE.webrtc:
            self.greenlets.append(gevent.spawn(self.watch_hls))

    @task(4)
    def react(self) -> None:
        self.ws("reaction.send", {"emoji": random.choice(EMOJI)})

    @task(2)
    def chat(self) -> None:
        self.ws("chat.send", {"text": random.choice(CHAT)})

    @task(1)
    def ask(self) -> None:
        self.ws("qa.ask", {"text": random.choice(QUESTIONS), "anonymous": random.random() < 0.3})

    @task(2)
    def upvote(self) -> None:
        choices = sorted(self.questions - self.upvoted)
        if choices:
            question = random.choice(choices)
            self.upvoted.add(question)
            self.ws("qa.upvote", {"question": question})

    @task(2)
    def vote(self) -> None:
        choices = sorted(set(self.polls) - self.voted)
        if choices:
            poll = random.choice(choices)
            self.voted.add(poll)
            self.ws("poll.vote", {"poll": poll, "choices": [random.randrange(self.polls[poll])]})

    @task(2)
    def walk_showrooms(self) -> None:
        """The hall, a pavilion, a stand (its visit counted); sometimes a search instead;
        now and then "talk to us now" at the stand."""
        if random.random() < 0.25:
            term = random.choice(SEARCHES)
            self.api("GET", f"/api/v1/search?q={quote(term)}", "search")
            return
        pavilions = self.api("GET", "/api/v1/pavilions", "pavilions") or []
        if not pavilions:
            return
        slug = random.choice(pavilions)["slug"]
        pavilion = self.api("GET", f"/api/v1/pavilions/{slug}", "pavilion") or {}
        stands = [s["slug"] for s in pavilion.get("stands") or []]
        if not stands:
            return
        stand = random.choice(stands)
        self.api("GET", f"/api/v1/stands/{stand}", "stand")
        self.api("POST", f"/api/v1/stands/{stand}/visits", "stand.visit")
        if random.random() < 0.1:
            message = {"message": "A question from the rehearsal"}
            self.api("POST", f"/api/v1/stands/{stand}/contact-requests", "contact.ring", message)

    def watch_hls(self) -> None:
        """Poll the live playlist as a player does, and fetch each new segment (a player
        joining live starts three segments from the end)."""
        base = f"/hls/{AUDIENCE.plan.session}/"
        fetched: deque[str] = deque(maxlen=32)
        while True:
            playlist = self.fetch(base + "index.m3u8", "hls.playlist")
            if playlist is None:
                gevent.sleep(HLS_IDLE_SECONDS)  # nothing on air (404), or told to wait
                continue
            lines = playlist.decode(errors="replace").splitlines()
            for segment in [line for line in lines if line and not line.startswith("#")][-3:]:
                if segment not in fetched:
                    fetched.append(segment)
                    self.fetch(base + segment, "hls.segment")
            gevent.sleep(_target_duration(lines))

    def fetch(self, path: str, name: str) -> bytes | None:
        """A file's bytes, or None (recorded; after a 429 or 503, waited as told). A playlist
        that is not there means nothing is on air: counted as such, not as a failure."""
        headers = {"Authorization": f"Bearer {self.token}"}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
            status = response.status_code or 0
            if status == 200:
                response.success()
                return bytes(response.content or b"")
            if status == 404 and name == "hls.playlist":
                response.request_meta["name"] = f"{name} (nothing on air)"
                response.success()
                return None
            response.failure(Refused(_kind(status, response.text or "")))
            if status in (429, 503):
                gevent.sleep(_retry_after(response.headers))
            return None


def _target_duration(lines: list[str]) -> float:
    for line in lines:
        if line.startswith("#EXT-X-TARGETDURATION:"):
            try:
                return max(1.0, float(line.split(":", 1)[1]))
            except ValueError:
                break
    return 2.0


class Moderator(Person):
    """The rehearsal's moderator account: opens a poll, lets it run, closes it, again."""

    fixed_count = 1
    wait_time = between(1, 2)

    def account(self) -> str:
        return AUDIENCE.plan.moderator

    def on_start(self) -> None:
        super().on_start()
        self.rounds = itertools.count(1)
        self.open_poll: int | None = None

    @task
    def run_poll(self) -> None:
        number = next(self.rounds)
        created = self.ws(
            "poll.create",
            {
                "question": f"Rehearsal poll {number}: how do you follow the session?",
                "options": ["On site", "Online, live", "Later, recorded"],
                "multiple": False,
                "results": "after_vote",
            },
        )
        if created is None:
            return
        poll = int(created["poll"]["id"])
        if self.ws("poll.open", {"poll": poll}) is None:
            return
        self.open_poll = poll
        gevent.sleep(min(60.0, max(5.0, AUDIENCE.plan.seconds / 4)))
        self.ws("poll.close", {"poll": poll})
        self.open_poll = None

    def on_stop(self) -> None:
        if self.open_poll is not None and self.socket is not None:
            self.ws("poll.close", {"poll": self.open_poll})
        super().on_stop()


# --- the process ----------------------------------------------------------------------------


def _tick(environment: Environment, every: float) -> None:
    while True:
        gevent.sleep(every)
        runner = environment.runner
        users = runner.user_count if runner is not None else 0
        cpu = runner.current_cpu_usage if runner is not None else 0.0
        emit("tick", users=users, cpu=cpu, **AUDIENCE.steps.tick())


def _orphaned(parent: int, stop: Any) -> None:
    """Stop if the command that started us is gone (killed): nobody would stop us else."""
    while os.getppid() == parent:
        gevent.sleep(1)
    stop()


def run(plan: Plan) -> None:
    """Start the users at the plan's rate, stop them when its time is up (or when told)."""
    global AUDIENCE
    AUDIENCE = Audience(plan)
    Person.host = plan.url
    environment = Environment(user_classes=[Moderator, Attendee], host=plan.url)
    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    stopping: list[bool] = []

    def stop() -> None:
        if not stopping:
            stopping.append(True)
            AUDIENCE.running = False
            gevent.spawn(runner.quit)

    gevent.signal_handler(signal.SIGTERM, stop)
    gevent.signal_handler(signal.SIGINT, stop)
    ticker = gevent.spawn(_tick, environment, plan.tick)
    gevent.spawn(_orphaned, os.getppid(), stop)
    gevent.spawn_later(plan.seconds, stop)
    runner.start(len(plan.attendees) + 1, spawn_rate=plan.spawn_rate)
    emit("started", users=len(plan.attendees) + 1)
    assert runner.greenlet is not None
    runner.greenlet.join()
    ticker.kill()
    emit("tick", users=0, cpu=runner.current_cpu_usage, **AUDIENCE.steps.tick())
    emit("final", cpu_warning=runner.cpu_warning_emitted, **AUDIENCE.steps.final())


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m server.rehearse.swarm PLAN.json", file=sys.stderr)
        return 2
    run(Plan.read(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
