// <pv-console>: the moderator's console for a session's stage (`view=console&session=<id>`):
// every source in the backstage as a card (its preview picture, its microphone's level, its
// name, where it stands, a guest's badge) with Take, On stage / Backstage, Mute and Remove;
// the program monitor (what the audience sees, muted until asked); and the queue of raised
// hands, to invite someone to the stage or lower their hand.
//
// It joins the session's room (`stage.state`) and its staff room (`stage.levels` four times a
// second, `stage.preview` about every two seconds per source, `hand.queue`). The cards are
// redrawn only when the stage's state changes; levels and pictures are filled in place, so a
// button is never replaced under a moderator's pointer. Without them the cards still work.

import { account, known, me } from "../account.js";
import { deleteJSON, patchJSON, paths, postJSON } from "../api.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { connection, hands, note } from "../room-parts.js";
import { apply } from "../snapshot.js";
import { RoomError, roomSocket } from "../socket.js";
import * as parts from "../stage-parts.js";
import { StageState } from "../stage-state.js";
import { current, viewerZone } from "../state.js";
import { SessionPage } from "../session-loader.js";

class PvConsole extends SessionPage {
  get titleId() {
    return "console-title";
  }

  connectedCallback() {
    this._forum = null;
    this.socket = roomSocket();
    this.stage = new StageState();
    this.player = document.createElement("pv-stage-player");
    this.entered = null; // "forum|session|person" of the rooms joined, null when none
    this.joined = null;
    this.session = null;
    this.sessionKey = null;
    this.shape = null;
    this.painted = {};
    this.clear();
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("keydown", (event) => this.onKeydown(event));
    this.socket.addEventListener("state", () => {
      if (!this.hidden && this.entered) this.paint();
    });
    this.stage.addEventListener("change", () => this.onStage());
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  clear() {
    this.room = null;
    this.staff = null;
    this.failure = null;
    this.notes = {};
    this.levels = {};
    this.previews = {};
    this.confirming = null; // the source whose removal awaits a yes
  }

  enter(key) {
    if (this.joined) {
      this.socket.leave(`${this.joined}:staff`);
      this.socket.leave(this.joined);
    }
    this.player.stop();
    this.stage.forget();
    this.clear();
    this.joinRoom(key);
  }

  onPush(push) {
    if (push.type === "stage.state") this.stage.set(push.data);
    else this.room = apply(this.room, push.type, push.data);
  }

  // --- the rooms and the stage -----------------------------------------------------------------

  onSnapshot(snapshot) {
    this.room = snapshot;
    if (snapshot.me.moderator) {
      this.stage.follow(current().session);
      this.joinStaff();
    }
    this.draw();
  }

  joinStaff() {
    if (this.socket.rooms.has(this.staffRoom)) return;
    this.socket.join(this.staffRoom, {
      snapshot: (staff) => {
        this.staff = staff;
        this.paint();
      },
      push: (push) => this.onStaffPush(push),
      failed: (error) => {
        this.failure = error;
        this.draw();
      },
    });
  }

  onStaffPush(push) {
    if (push.type === "stage.levels") {
      this.levels = push.data.levels;
      this.stage.notice(Object.keys(this.levels));
      this.showLive();
    } else if (push.type === "stage.preview") {
      this.previews = { ...this.previews, [push.data.source]: push.data.image };
      this.stage.notice([push.data.source]);
      this.showLive();
    } else {
      this.staff = apply(this.staff, push.type, push.data);
      this.paint();
    }
  }

  onStage() {
    if (this.stage.value) {
      // Gone sources: no question about removing them, no pictures kept of them.
      if (this.confirming && !this.stage.source(this.confirming)) this.confirming = null;
      const kept = Object.entries(this.previews).filter(([id]) => this.stage.source(id));
      this.previews = Object.fromEntries(kept);
    }
    if (this.status() === "ready") this.player.play(current().session, this.stage.onAir);
    this.paint();
  }

  status() {
    if (!known()) return "loading";
    if (!me() || this.failure?.code === "unauthorized") return "signin";
    if (this.failure) return this.failure.code === "forbidden" || this.failure.code === "not_found" ? "forbidden" : "error";
    if (!this.room) return "loading";
    return this.room.me.moderator ? "ready" : "forbidden";
  }

  // --- drawing ---------------------------------------------------------------------------------

  draw() {
    const title = this.session ? this.session.title : this._forum?.name || t("app.name");
    document.title = `${t("console.title")} — ${title}`;
    const status = this.status();
    const shape = [status, lang(), viewerZone()].join("|");
    if (shape !== this.shape) {
      this.shape = shape;
      this.painted = {};
      render(this, this.page(status));
      this.querySelector("[data-stage-player]")?.append(this.player);
    }
    this.paint();
  }

  page(status) {
    return parts.stagePage("console", status, status === "ready" ? this.layout() : this.elsewhere(status));
  }

  header() {
    return parts.stageHeader("console", "🎛", this.session);
  }

  elsewhere(status) {
    return parts.stageNotReady("console", status, {
      loading: "console.loadingPage",
      signIn: "console.signIn",
      refusal: () => "console.forbidden",
      failure: this.failure,
    });
  }

  layout() {
    return html`<div class="console-layout">
      <section class="stage-box console-sources" aria-labelledby="sources-title">
        <h3 id="sources-title" tabindex="-1">${t("console.sources")}</h3>
        <div data-part="on-air" aria-live="polite"></div>
        <div data-note="sources"></div>
        <div data-part="sources"></div>
      </section>
      <div class="console-side">
        <section class="stage-box" aria-labelledby="program-title">
          <h3 id="program-title">${t("console.program")}</h3>
          <div data-stage-player data-testid="program-monitor"></div>
        </section>
        <section class="staff-panel" aria-labelledby="console-hands-title">
          <h3 id="console-hands-title">${t("room.staff.hands")}</h3>
          <div data-note="hands"></div>
          <div data-part="hands"></div>
        </section>
      </div>
    </div>`;
  }

  paint() {
    this.part("connection", connection(this.socket.state));
    this.part("header", this.header());
    if (this.status() !== "ready") return;
    const state = this.stage.value;
    this.part("on-air", parts.onAirLine(state));
    this.part("sources", this.stage.failure && !state
      ? note({ kind: "error", text: t("console.stateFailed", { message: this.stage.failure.message }) })
      : parts.sources(state, this.confirming));
    this.part("hands", hands({ staff: this.staff, zone: viewerZone() }));
    for (const box of this.querySelectorAll("[data-note]")) {
      this.part(`note:${box.dataset.note}`, note(this.notes[box.dataset.note]), box);
    }
    this.showLive();
  }

  part(name, markup, element = this.querySelector(`[data-part="${name}"]`)) {
    if (!element) return;
    const text = html`${markup}`.text;
    if (this.painted[name] === text) return;
    this.painted[name] = text;
    render(element, html`${markup}`);
  }

  /** Levels and preview pictures, filled into the cards in place. */
  showLive() {
    for (const bar of this.querySelectorAll(".source [data-level]")) {
      parts.showLevel(bar, this.levels[bar.dataset.level] || 0);
    }
    for (const image of this.querySelectorAll("img[data-preview]")) {
      const picture = this.previews[image.dataset.preview];
      if (!picture || image.getAttribute("src") === picture) continue;
      image.src = picture;
      image.hidden = false;
      this.querySelector(`[data-no-preview="${CSS.escape(image.dataset.preview)}"]`)?.setAttribute("hidden", "");
    }
  }

  setNote(name, kind, text) {
    if (kind) this.notes[name] = { kind, text };
    else delete this.notes[name];
    this.paint();
  }

  // --- acting ----------------------------------------------------------------------------------

  onClick(event) {
    const target = event.target.closest("button");
    if (!target || !this.contains(target)) return;
    const d = target.dataset;
    const session = current().session;
    if (d.take) this.change(d.take, postJSON(paths.take(session), { source: d.take }));
    else if (d.move) this.change(d.move, patchJSON(paths.stageSource(session, d.move), { state: d.to }));
    else if (d.muteSource) {
      this.change(d.muteSource, patchJSON(paths.stageSource(session, d.muteSource), { muted: d.value === "true" }));
    }
    else if (d.remove) this.confirm(d.remove);
    else if (d.removeCancel) this.confirm(null, d.removeCancel);
    else if (d.removeConfirmed) this.remove(d.removeConfirmed);
    else if (d.invite) this.act("hand.invite", { user: Number(d.invite) });
    else if (d.lower) this.act("hand.lower", { user: Number(d.lower) });
    else if ("retry" in d) {
      this.enter(null);
      this.update();
    }
  }

  onKeydown(event) {
    if (event.key === "Escape" && this.confirming) this.confirm(null, this.confirming);
  }

  /** Ask "remove?" on a source's card (or stop asking), keeping focus on its buttons. */
  confirm(source, returnTo = null) {
    this.confirming = source;
    this.paint();
    const key = source ? `remove-yes-${source}` : `remove-${returnTo}`;
    this.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
  }

  /**
   * A moderator's change to a source; its answer is the stage's new state (pushed to the room
   * too). A Take button goes once its source is on air: focus moves on to the card's next one.
   */
  async change(source, request) {
    try {
      this.stage.set(await request);
      this.setNote("sources", null);
    } catch (error) {
      this.setNote("sources", "error", t("room.failed", { message: error.message }));
    }
    if (!this.contains(document.activeElement)) {
      this.querySelector(`[data-focus-key="${CSS.escape(`move-${source}`)}"]`)?.focus();
    }
  }

  async remove(source) {
    this.confirming = null;
    try {
      await deleteJSON(paths.whipSource(current().session, source));
      this.setNote("sources", null);
    } catch (error) {
      this.setNote("sources", "error", t("room.failed", { message: error.message }));
    }
    this.stage.refresh(); // whether or not the server pushes the departure
    this.querySelector("#sources-title")?.focus();
  }

  async act(op, data) {
    try {
      await this.socket.request(op, this.publicRoom, data);
      this.setNote("hands", null);
    } catch (error) {
      if (!(error instanceof RoomError)) throw error;
      this.setNote("hands", "error", t("room.failed", { message: error.message }));
    }
  }
}

customElements.define("pv-console", PvConsole);
