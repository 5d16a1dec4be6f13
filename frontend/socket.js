// The tab's one room socket (docs/rooms.md): a WebSocket to /ws on this origin, signed in by
// the session cookie the browser sends with the handshake.
//
// Requests are paired with their replies by `id` and time out; pushes go to the room that
// joined them. The socket reconnects by itself, after a random wait below a ceiling that
// doubles from 1 s to 15 s ("full jitter": when a node restarts, its thousands of tabs come
// back spread over that window, not all in the same instant), or after the wait the server
// asked for when it shed the socket under load (close 1013, `{"code": "busy",
// "retry_after": N}`). It re-joins every room with `since` = the last push it applied, so the
// server replays what was missed (or sends a snapshot when it cannot): nothing is applied
// twice, nothing is lost. A push out of sequence, from another epoch, or a `room.reset` makes
// it re-join that room the same way. Pushes with seq 0 are volatile states (presence counts,
// reaction bursts): applied as they come, never replayed, no place in the sequence.
//
// A join is never sent twice at once: it waits for its answer (the server answers every join,
// or says `busy` with a retry hint), and one that takes longer than JOIN_TIMEOUT_MS means
// the connection is gone bad: it is dropped and comes back.
//
// `state` is "idle" (no room joined), "connecting" (first attempt), "online" or "reconnecting";
// every change is announced as `state` on the socket.
//
// A room joined once may be heard by several parts of the page (`listen`: the header's notices
// and the live room both hear the person's own room); it is held while any of them listens.
// When the server takes the socket out of a room (`room.closed`: access withdrawn), everyone
// hearing it is told, as for a refused join, and the room is not joined again.
//
// When the sign-in the socket was opened with ends (signed out here or on another device, or
// the password was reset or changed), the server closes it with `CloseCode.signedOut`: every
// room's listeners are told `unauthorized` with `signedOut` set (the page says so), and the
// socket does not come back.

import { wordProblem } from "./api.js";

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 15_000;
const REQUEST_TIMEOUT_MS = 10_000;
const JOIN_TIMEOUT_MS = 45_000;
/** Close codes of the room socket (RFC 6455 section 7.4.1 and the IANA registry; 4000-4999
 * are for applications). The server names the same numbers (server/realtime/connection.py:
 * `CloseCode`). */
export const CloseCode = Object.freeze({
  normal: 1000, // we closed it: no rooms left
  policyViolation: 1008, // refused after the handshake, or its access ended
  messageTooBig: 1009, // a frame over 64 KiB
  tryAgainLater: 1013, // the server shed the socket, or it fell behind
  dropped: 4000, // our own, for `drop()` and an unanswered ping or join
  signedOut: 4001, // the sign-in it was opened with ended (signed out, password reset): stay closed
});
const PING_EVERY_MS = 25_000; // a half-open connection shows as an unanswered ping
const CLOSED = "room.closed"; // the server took this socket out of the room (access withdrawn)

/** The listener of a room held only for those who `listen` to it. */
const QUIET = { snapshot() {}, push() {}, failed() {} };

/** A refusal from the server, or a request that could not be answered (`offline`, `timeout`). */
export class RoomError extends Error {
  constructor({ code = "internal", message = "", field = null, retry_after = null, ...details } = {}) {
    // Worded from its code and particulars, in the page's language (api.js `wordProblem`).
    super(wordProblem({ code, message: message || code, field, ...details }, 0, retry_after));
    this.name = "RoomError";
    this.code = code;
    this.field = field;
    this.retryAfter = retry_after; // seconds, on `rate_limited`
    this.details = details; // e.g. `until` when a moderator muted the sender
  }
}

/** The delay before reconnect attempt `n` (0, 1, …): anywhere below a ceiling doubling from
 * 1 s to 15 s. */
export function backoff(n, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** n);
  return random() * ceiling;
}

/** The wait a 1013 close asks for, in ms (`{"code": "busy", "retry_after": N}`), jittered
 * upwards so that those shed together do not return together; null without one. */
export function retryHint(reason, random = Math.random) {
  try {
    const seconds = Number(JSON.parse(reason).retry_after);
    return seconds > 0 ? seconds * 1000 * (1 + random()) : null;
  } catch {
    return null;
  }
}

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

/**
 * A joined room: where its pushes stand (`epoch`, `seq` of the last one applied) and who gets
 * them: `listener.snapshot(snapshot)`, `listener.push(push)`, `listener.failed(error)`.
 */
class Membership {
  constructor(room, listener) {
    this.room = room;
    this.listener = listener;
    this.epoch = null;
    this.seq = 0;
    this.joining = false; // a join is in flight: pushes until its reply belong to the old one
    this.inFlight = false; // a room.join is sent and not answered yet
    this.again = false; // another join was asked for while one was in flight
    this.retry = null;
  }

  since() {
    return this.epoch === null ? {} : { since: { epoch: this.epoch, seq: this.seq } };
  }
}

export class RoomSocket extends EventTarget {
  constructor({ url = socketUrl, timeout = REQUEST_TIMEOUT_MS } = {}) {
    super();
    this.url = url;
    this.timeout = timeout;
    this.state = "idle";
    this.ws = null;
    this.rooms = new Map();
    this.listeners = new Map(); // room → the extra listeners that `listen` to it
    this.waiting = new Map(); // request id → {onReply, timer}
    this.nextId = 1;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.ended = null; // "signed_out" once the server closed it for that, until it connects again
  }

  /** Join `room`; the listener hears its snapshot, its pushes and a refusal. */
  join(room, listener) {
    clearTimeout(this.rooms.get(room)?.retry);
    const membership = new Membership(room, listener);
    this.rooms.set(room, membership);
    if (this.state === "online") this.sendJoin(membership);
    else this.connect();
  }

  /**
   * Hear `room` beside whoever joined it: the pushes, snapshots and refusal of its membership
   * go to `listener` too. Joins the room if nobody has; it is held while anyone listens.
   * Answers the function that stops listening.
   */
  listen(room, listener) {
    let heard = this.listeners.get(room);
    if (!heard) this.listeners.set(room, (heard = new Set()));
    heard.add(listener);
    if (!this.rooms.has(room)) this.join(room, QUIET);
    return () => this.unlisten(room, listener);
  }

  unlisten(room, listener) {
    const heard = this.listeners.get(room);
    if (!heard || !heard.delete(listener) || heard.size > 0) return;
    this.listeners.delete(room);
    if (this.rooms.get(room)?.listener === QUIET) this.leave(room);
  }

  /** Tell a membership's listener, and everyone listening to its room, of `what`. */
  tell(membership, what, value) {
    membership.listener[what](value);
    for (const listener of [...(this.listeners.get(membership.room) || [])]) listener[what]?.(value);
  }

  /** The room is gone for good (refused, or closed by the server): everyone hearing it is told. */
  lose(membership, error) {
    this.rooms.delete(membership.room);
    this.tell(membership, "failed", error);
    this.listeners.delete(membership.room);
  }

  /** Stop hearing `room`; the socket closes once no room is left. */
  leave(room) {
    const membership = this.rooms.get(room);
    if (!membership) return;
    if (this.listeners.has(room)) {
      membership.listener = QUIET; // others still listen: the room stays joined for them
      return;
    }
    clearTimeout(membership.retry);
    this.rooms.delete(room);
    if (this.state === "online") this.send("room.leave", room, {}, () => {});
    if (this.rooms.size === 0) this.stop();
  }

  /** Send an operation; resolves with the reply's data, rejects with a RoomError. */
  request(op, room, data = {}) {
    return new Promise((resolve, reject) => {
      if (this.state !== "online") {
        reject(new RoomError({ code: "offline" }));
        return;
      }
      this.send(op, room, data, (frame) => {
        if (frame.ok) resolve(frame.data);
        else reject(new RoomError(frame.error));
      });
    });
  }

  /** Close the connection as if the network had dropped it (for tests: it reconnects). */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    ws.close(CloseCode.dropped, "dropped on purpose");
    this.onClose(ws); // at once: a lost network would not finish the closing handshake either
  }

  // --- the connection ------------------------------------------------------------------------

  connect() {
    if (this.ws || this.reconnectTimer !== null) return;
    this.setState(this.state === "idle" ? "connecting" : "reconnecting");
    this.ended = null;
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.opened = false;
    ws.addEventListener("open", () => this.onOpen(ws));
    ws.addEventListener("message", (event) => this.onMessage(ws, event.data));
    ws.addEventListener("close", (event) => this.onClose(ws, event));
  }

  onOpen(ws) {
    if (ws !== this.ws) return;
    ws.opened = true;
    this.heartbeat(ws);
    this.setState("online");
    for (const membership of this.rooms.values()) this.sendJoin(membership);
  }

  /** Ping while open; a ping left unanswered closes the socket, and it comes back. */
  heartbeat(ws) {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
      this.send("ping", null, {}, (frame) => {
        if (!frame.ok && frame.error?.code === "timeout" && ws === this.ws) ws.close(CloseCode.dropped, "no answer to a ping");
      });
    }, PING_EVERY_MS);
  }

  /** A socket refused before it opened: signed out, or opened from a page address the server
   * does not take sockets from (stop and tell: trying again cannot help), or try again later. */
  async refused() {
    try {
      const me = await fetch("/api/v1/me", { credentials: "same-origin" });
      if (me.status === 401) {
        this.signedOut(new RoomError({ code: "unauthorized", message: "sign in first" }));
        return true;
      }
      const found = await fetch("/api/v1/realtime/origins", { credentials: "same-origin" });
      const origins = found.ok ? (await found.json()).origins : null;
      if (!origins || origins.includes(location.origin)) return false;
      this.ended = "foreign_origin";
      this.signedOut(new RoomError({
        code: "forbidden", message: `origin: ${location.origin} may not open sockets`, field: "origin",
        reason: "foreign_origin", params: { origin: location.origin, allowed: origins.join(", ") },
      }));
      return true;
    } catch {
      return false; // the network, not the session: keep trying
    }
  }

  /** Signed out: stop, and tell everyone hearing a room (`error`: `unauthorized`). */
  signedOut(error) {
    const rooms = [...this.rooms.values()];
    const listeners = new Map(this.listeners);
    this.rooms.clear();
    this.listeners.clear();
    this.stop();
    for (const membership of rooms) {
      membership.listener.failed(error);
      for (const listener of listeners.get(membership.room) || []) listener.failed?.(error);
    }
  }

  onClose(ws, event = null) {
    if (ws !== this.ws) return;
    clearInterval(this.pinger);
    this.ws = null;
    this.failWaiting();
    for (const membership of this.rooms.values()) {
      membership.joining = false;
      membership.inFlight = false;
      membership.again = false;
      clearTimeout(membership.retry);
    }
    if (this.rooms.size === 0) {
      this.setState("idle");
      return;
    }
    if (event?.code === CloseCode.signedOut) {
      this.ended = "signed_out";
      this.signedOut(new RoomError({ code: "unauthorized", message: "signed out", signedOut: true }));
      return;
    }
    this.setState("reconnecting");
    const asked = event?.code === CloseCode.tryAgainLater ? retryHint(event.reason) : null;
    const delay = asked ?? backoff(this.attempt++);
    this.reconnectTimer = setTimeout(async () => {
      this.reconnectTimer = null;
      if (!ws.opened && (await this.refused())) return;
      if (this.rooms.size > 0 && !this.ws) this.connect();
    }, delay);
  }

  /** No room left: close without coming back. */
  stop() {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    this.failWaiting();
    ws?.close(CloseCode.normal, "no rooms left");
    this.attempt = 0;
    this.setState("idle");
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state } }));
  }

  // --- frames --------------------------------------------------------------------------------

  send(op, room, data, onReply, timeout = this.timeout) {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.waiting.delete(id);
      onReply({ id, ok: false, error: { code: "timeout" } });
    }, timeout);
    this.waiting.set(id, { onReply, timer });
    this.ws.send(JSON.stringify({ id, op, room, data }));
    return id;
  }

  failWaiting() {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { onReply, timer } of waiting) {
      clearTimeout(timer);
      onReply({ ok: false, error: { code: "offline" } });
    }
  }

  /** Frames are handled one at a time, in order: a join's reply is applied before its backlog. */
  onMessage(ws, text) {
    if (ws !== this.ws) return;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame && typeof frame.type === "string" && typeof frame.room === "string") {
      this.onPush(frame);
      return;
    }
    const waiter = this.waiting.get(frame?.id);
    if (!waiter) return; // a reply after its timeout, or an error about an unreadable frame
    this.waiting.delete(frame.id);
    clearTimeout(waiter.timer);
    waiter.onReply(frame);
  }

  onPush(push) {
    const membership = this.rooms.get(push.room);
    if (!membership) return;
    if (push.type === CLOSED) {
      this.closed(membership, push.data || {});
      return;
    }
    if (membership.joining || membership.epoch === null) return;
    if (push.seq === 0 && push.type !== "room.reset") {
      this.tell(membership, "push", push); // volatile: a state the next one replaces
      return;
    }
    if (push.type === "room.reset" || push.epoch !== membership.epoch) {
      this.sendJoin(membership);
      return;
    }
    if (push.seq <= membership.seq) return; // already applied (a replay overlapping live ones)
    if (push.seq !== membership.seq + 1) {
      this.sendJoin(membership); // a gap: ask for what is missing
      return;
    }
    membership.seq = push.seq;
    this.tell(membership, "push", push);
  }

  /** The server took this socket out of the room (access withdrawn): told like a refused join
   * (`closed` marks the error), and not joined again. */
  closed(membership, { code = "forbidden" }) {
    clearTimeout(membership.retry);
    this.lose(membership, new RoomError({ code, message: code, closed: true }));
    if (this.rooms.size === 0) this.stop();
  }

  // --- joining -------------------------------------------------------------------------------

  sendJoin(membership) {
    clearTimeout(membership.retry);
    if (membership.inFlight) {
      membership.again = true; // asked again meanwhile: once this one is answered
      return;
    }
    membership.joining = true;
    membership.inFlight = true;
    const ws = this.ws;
    this.send(
      "room.join",
      membership.room,
      membership.since(),
      (frame) => {
        membership.inFlight = false;
        if (this.rooms.get(membership.room) !== membership) return; // left meanwhile
        if (frame.error?.code === "timeout") {
          // No answer in all that time: the connection has gone bad. Drop it; the rooms are
          // joined again on the next one.
          if (ws === this.ws) ws.close(CloseCode.dropped, "a join went unanswered");
          return;
        }
        membership.joining = false;
        if (frame.ok) this.joined(membership, frame.data);
        else this.joinFailed(membership, new RoomError(frame.error));
        if (membership.again && this.state === "online") {
          membership.again = false;
          this.sendJoin(membership); // a gap or a reset seen while the join was in flight
        }
      },
      JOIN_TIMEOUT_MS,
    );
  }

  joined(membership, data) {
    this.attempt = 0; // back to short waits only once a join worked, not on every open
    membership.epoch = data.epoch;
    if (data.recovered) return; // the missed pushes follow this reply, in order
    membership.seq = data.seq;
    this.tell(membership, "snapshot", data.snapshot);
  }

  /** Refused for good (forbidden, not found, invalid): tell the page. Else try again later. */
  joinFailed(membership, error) {
    if (error.code === "offline") return; // re-joined when the socket is back
    if (["forbidden", "not_found", "invalid", "unauthorized"].includes(error.code)) {
      this.lose(membership, error);
      if (this.rooms.size === 0) this.stop();
      return;
    }
    // A `busy` join is told when to come back; those told together spread out (jitter).
    const delay = error.retryAfter ? error.retryAfter * 1000 * (1 + Math.random()) : backoff(2);
    membership.retry = setTimeout(() => {
      if (this.state === "online" && this.rooms.get(membership.room) === membership) {
        this.sendJoin(membership);
      }
    }, delay);
  }
}

let shared = null;

/** The tab's socket (created on first use). */
export function roomSocket() {
  shared ??= new RoomSocket();
  return shared;
}
