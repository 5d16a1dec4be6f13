// Keeping an open page up to date with the program: a page names the rooms whose pushes
// concern it (`forum:{slug}`, `marathon:{id}`) and what to do when something changed there
// (fetch again what it shows). Signed in, it hears those rooms through the tab's one socket
// (socket.js `listen`, beside any other part of the page hearing them); signed out (rooms are
// for those signed in), or refused, it asks again every minute while the page is visible.
//
// Pushes come in bursts (a re-plan moves every later segment; the runner moves several
// sessions at one instant, and thousands of open pages hear it at once), so a refetch waits a
// moment, spread at random, and one refetch answers every push of the burst. A snapshot after
// the first (the socket came back and the room's history no longer reached) may hide changes:
// it refetches too.

import { me } from "./account.js";
import { roomSocket } from "./socket.js";

const SETTLE_MS = 300;
const SPREAD_MS = 1_200;
const POLL_MS = 60_000;

/** The pushes that change what a program, session, agenda or marathon page shows. */
export const PROGRAM_PUSHES = new Set(["program.changed", "session.status", "marathon.handover"]);

export class ProgramFeed {
  /**
   * `refresh()` fetches again; `relevant(push)` (optional) says whether a push concerns the
   * page (by default any of PROGRAM_PUSHES does).
   */
  constructor(refresh, { relevant = (push) => PROGRAM_PUSHES.has(push.type), poll = POLL_MS } = {}) {
    this.refresh = refresh;
    this.relevant = relevant;
    this.poll = poll;
    this.key = null;
    this.stops = [];
    this.timer = null;
    this.poller = null;
    this.onVisible = () => {
      if (document.visibilityState === "visible" && this.poller) this.soon();
    };
  }

  /** Follow these rooms (again only if they or the person changed); none: stop. */
  follow(rooms) {
    const person = me();
    const key = rooms.length ? `${person ? person.id : "-"}|${[...rooms].sort().join(",")}` : null;
    if (key === this.key) return;
    this.stop();
    this.key = key;
    if (!key) return;
    if (person) this.listen(rooms);
    else this.startPolling();
  }

  /** Stop hearing and polling (the page was hidden or left). */
  stop() {
    this.key = null;
    for (const stop of this.stops) stop();
    this.stops = [];
    clearTimeout(this.timer);
    this.timer = null;
    clearInterval(this.poller);
    this.poller = null;
    document.removeEventListener("visibilitychange", this.onVisible);
  }

  listen(rooms) {
    const socket = roomSocket();
    for (const room of rooms) {
      let snapshots = 0;
      this.stops.push(socket.listen(room, {
        snapshot: () => {
          if (snapshots++ > 0) this.soon(); // back after a gap the history did not cover
        },
        push: (push) => {
          if (this.relevant(push)) this.soon();
        },
        failed: () => {
          if (!this.poller) this.startPolling(); // refused: the page still moves, more slowly
        },
      }));
    }
  }

  startPolling() {
    this.poller = setInterval(() => {
      if (document.visibilityState === "visible") this.refresh();
    }, this.poll);
    document.addEventListener("visibilitychange", this.onVisible);
  }

  /** Refetch once, a moment from now (pushes of one burst share it). */
  soon() {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, SETTLE_MS + Math.random() * SPREAD_MS);
  }
}
