// <pv-room>: a session's live room (`view=room&session=<id>`, `&tab=qa|polls` for the open
// tab): the stage's program (<pv-stage-player>, with the way into the backstage for those who
// may speak and into the console for moderators), chat, questions to the speakers, polls,
// reactions, raised hands, announcements and who is here, live over the tab's room socket
// (socket.js). Moderators of the session also join its staff room and get the controls:
// deleting messages, muting, slow mode and pre-moderation, approving and pinning questions,
// drafting and running polls, the queue of raised hands and the list of who is present. The
// server decides who may do what; the page shows its refusals.
//
// The room's state is the snapshot the join answered, with every push folded in by
// snapshot.js's `apply`. The page is drawn once per shape (language, zone, role) with its
// forms, and its live parts are painted into it, each only when its markup changed, so typing
// and focus survive a busy room. The stage's player is made once and put back into each
// drawing, so the program plays on through them.

import { account, known, me } from "../account.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import * as parts from "../room-parts.js";
import { apply } from "../snapshot.js";
import { RoomError, roomSocket } from "../socket.js";
import { speaksHere, stageLinks } from "../stage-parts.js";
import { StageState } from "../stage-state.js";
import { current, hrefFor, navigate, viewerZone } from "../state.js";
import { formatDay, momentIn, timeRange, wallDate } from "../time.js";
import { SessionPage } from "../session-loader.js";

const BURST_MS = 5000; // how long a reaction burst counts on the bar
const TICK_MS = 1000;
const MAX_OPTIONS = 10;
const MUTE_MINUTES = 15;

class PvRoom extends SessionPage {
  get titleId() {
    return "room-title";
  }

  connectedCallback() {
    this._forum = null;
    this.socket = roomSocket();
    this.stage = new StageState();
    this.player = document.createElement("pv-stage-player"); // kept across redraws: it plays on
    this.entered = null; // "forum|session|person" of the room joined, null when none
    this.joined = null; // the name of that room ("session:12")
    this.sessionKey = null;
    this.session = null; // the session's page data, for its title and times (may stay null)
    this.shape = null;
    this.painted = {};
    this.draftOptions = ["", ""];
    this.ticker = null;
    this.clear();
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("change", (event) => this.onChange(event));
    this.addEventListener("input", (event) => this.onInput(event));
    this.addEventListener("keydown", (event) => this.onKeydown(event));
    this.socket.addEventListener("state", () => {
      if (!this.hidden && this.entered) this.paint();
    });
    this.stage.addEventListener("change", () => {
      if (this.room) this.player.play(current().session, this.stage.onAir);
    });
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  /** Forget the room joined (another session, another person, or the page left). */
  clear() {
    this.room = null;
    this.staff = null;
    this.failure = null;
    this.notes = {};
    this.bursts = [];
    this.waitUntil = 0;
  }

  enter(key) {
    if (this.joined) {
      this.socket.leave(`${this.joined}:staff`);
      this.socket.leave(this.joined);
      this.stopHearingOwnRoom?.();
      if (this.forumRoom) this.socket.leave(this.forumRoom);
      this.stopHearingOwnRoom = this.forumRoom = null;
      this.forumNews = this.handover = null;
    }
    clearInterval(this.ticker);
    this.ticker = null;
    this.player.stop();
    this.stage.forget();
    this.clear();
    this.joinRoom(key);
  }

  // --- the room's state ----------------------------------------------------------------------

  onSnapshot(snapshot) {
    this.room = snapshot;
    this.stage.follow(current().session);
    this.joinOwnRoom(snapshot.me.id);
    this.joinForumRoom();
    if (snapshot.me.moderator && !this.socket.rooms.has(this.staffRoom)) {
      this.socket.join(this.staffRoom, {
        snapshot: (staff) => {
          this.staff = staff;
          this.paint();
        },
        push: (push) => {
          this.staff = apply(this.staff, push.type, push.data);
          this.paint();
        },
        failed: (error) => this.setNote("staff", "error", t("room.staff.unavailable", {
          message: error.details?.closed ? t("room.withdrawn") : error.message,
        })),
      });
    }
    this.draw();
  }

  /** The forum's room: announcements to everyone at the forum, and the marathon's handovers. */
  joinForumRoom() {
    if (!this._forum) return;
    const room = `forum:${this._forum.slug}`;
    if (this.socket.rooms.has(room)) return;
    this.forumRoom = room;
    this.socket.join(room, {
      snapshot: (snapshot) => {
        this.forumNews = snapshot.announcements.map((a) => ({ ...a, forumWide: true }));
        this.paint();
      },
      push: (push) => {
        if (push.type === "announcement") {
          const item = { ...push.data.announcement, forumWide: true };
          this.forumNews = [...(this.forumNews || []).filter((a) => a.id !== item.id), item];
        } else if (push.type === "marathon.handover") {
          this.handover = push.data;
        }
        this.paint();
      },
      failed: () => {}, // the session's room works without it
    });
  }

  /** Announcements to this room and to the whole forum, oldest first. */
  allAnnouncements(room) {
    const all = [...room.announcements, ...(this.forumNews || [])];
    return all.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  }

  /** My own room (`user:{id}`): notices for me alone, such as a moderator muting me here
   * (heard beside the header's notices, which hold the same room). */
  joinOwnRoom(id) {
    if (this.stopHearingOwnRoom) return;
    this.stopHearingOwnRoom = this.socket.listen(`user:${id}`, {
      snapshot: () => {},
      push: (push) => {
        if (push.type !== "chat.muted" || push.data.room !== this.publicRoom) return;
        this.patchMe({ muted_until: push.data.until });
        this.paint();
      },
      failed: () => {
        this.stopHearingOwnRoom = null; // the room itself still works; mutes show on the next send
      },
    });
  }

  onPush(push) {
    if (push.type === "reaction.counts") {
      this.bursts.push({ at: Date.now(), counts: push.data.counts });
      this.tick();
    } else if (push.type === "stage.state") {
      this.stage.set(push.data);
    } else {
      this.room = apply(this.room, push.type, push.data);
    }
    if (push.type === "room.settings" && !push.data.slow_mode_seconds && this.notes.chat?.slow) {
      this.waitUntil = 0; // slow mode is off: no need to wait any longer
      delete this.notes.chat;
    }
    this.paint();
  }

  /** Change my own part of the snapshot (what a reply told me and no push will). */
  patchMe(changes) {
    if (!this.room) return; // the answer came after the page left the room
    this.room = { ...this.room, me: { ...this.room.me, ...changes } };
  }

  view() {
    const room = this.room;
    return { room, staff: this.staff, me: room.me, moderator: room.me.moderator, zone: viewerZone() };
  }

  status() {
    if (!known()) return "loading";
    if (!me() || this.failure?.code === "unauthorized") return "signin";
    if (this.failure) return this.failure.code === "forbidden" || this.failure.code === "not_found" ? this.failure.code : "error";
    return this.room ? "ready" : "loading";
  }

  // --- drawing -------------------------------------------------------------------------------

  draw() {
    const title = this.session ? this.session.title : this._forum?.name || t("app.name");
    document.title = `${t("room.title")} — ${title}`;
    const status = this.status();
    const v = status === "ready" ? this.view() : null;
    const shape = [status, lang(), viewerZone(), v?.moderator, v?.me.organiser].join("|");
    if (shape !== this.shape) {
      const values = this.formValues();
      this.shape = shape;
      this.painted = {};
      render(this, this.page(status, v));
      this.querySelector("[data-stage-player]")?.append(this.player);
      this.restoreValues(values);
      this.paintOptions();
    }
    this.paint();
  }

  page(status, v) {
    return html`<section class="wrap room-page" aria-labelledby="room-title" data-testid="room-page" data-status="${status}">
      <a class="back-link" href="${hrefFor({ view: null })}" data-focus-key="back" data-testid="room-back"><span
        aria-hidden="true">←</span> ${t("room.back")}</a>
      <header class="room-head">
        <div data-part="header"></div>
        <p class="room-status"><span data-part="connection"></span><span data-part="presence"></span></p>
      </header>
      ${status === "ready" ? this.layout(v) : this.elsewhere(status)}
    </section>`;
  }

  /** The page before (or instead of) the room: loading, signing in, refused. */
  elsewhere(status) {
    if (status === "loading") {
      return html`<p class="notice notice-loading" role="status" data-testid="room-loading">${t("room.loading")}</p>`;
    }
    if (status === "signin") {
      const why = this.socket.ended === "signed_out" ? "room.signedOut" : "room.signIn";
      return html`<div class="empty-state" data-testid="room-signin"><p role="status">${t(why)}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="room-signin">${t("account.signIn")}</a></div>`;
    }
    if (status === "forbidden" || status === "not_found") {
      return html`<div class="notice notice-error" role="alert" data-testid="room-refused">
        <p>${this.failure?.details?.reason === "foreign_origin" ? this.failure.message
          : t(this.failure?.details?.closed ? "room.withdrawn"
            : this.failure?.details?.reason === "registration_required" ? "room.registerFirst"
            : status === "forbidden" ? "room.forbidden" : "room.notFound")}</p>
        <p class="actions"><a class="button" href="${hrefFor({ view: null })}" data-focus-key="refused-back">${t("room.back")}</a></p>
      </div>`;
    }
    return html`<div class="notice notice-error" role="alert" data-testid="room-error">
      <p>${t("room.error", { message: this.failure.message })}</p>
      <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
    </div>`;
  }

  layout(v) {
    const staffOnly = (markup) => (v.moderator ? markup : "");
    return html`<div data-part="handover"></div><div data-part="announcements" aria-live="polite"></div>
      ${v.moderator || v.me.organiser ? this.announceForm() : ""}
      <div class="room-layout">
        <div class="room-main">
          <section class="stage" aria-labelledby="stage-title" data-testid="stage">
            <h3 id="stage-title" class="visually-hidden">${t("room.stage.label")}</h3>
            <div data-stage-player></div>
            <div data-part="stage-links"></div>
          </section>
          <div class="room-actions">
            <div class="reaction-bar" role="group" aria-label="${t("room.reactions")}" data-part="reactions" data-testid="reactions"></div>
            <div class="hand"><p class="hand-state" data-part="hand-state" aria-live="polite"></p><span data-part="hand"></span></div>
          </div>
          <div data-note="react"></div>
          <div data-note="hand"></div>
          ${staffOnly(this.staffPanel())}
        </div>
        <div class="room-side">
          <div class="room-tabs" role="tablist" aria-label="${t("room.tabs")}" data-part="tabs"></div>
          <section class="room-panel" id="room-panel-chat" role="tabpanel" aria-labelledby="room-tab-chat" data-panel="chat">
            ${staffOnly(html`<div data-part="chat-settings"></div><div data-note="settings-chat"></div>`)}
            <div class="chat-log" role="log" data-chat-log tabindex="0" aria-label="${t("room.chat.log")}">
              <ol class="messages" data-messages data-testid="messages"></ol>
              <div data-part="chat-empty"></div>
            </div>
            <div data-part="chat-status" aria-live="polite"></div>
            <div data-note="chat-mod"></div>
            ${this.chatForm()}
          </section>
          <section class="room-panel" id="room-panel-qa" role="tabpanel" aria-labelledby="room-tab-qa" data-panel="qa">
            ${staffOnly(html`<div data-part="qa-settings"></div><div data-note="settings-qa"></div><div data-part="review"></div>`)}
            <div data-part="qa-status" aria-live="polite"></div>
            <div data-part="my-pending"></div>
            <div data-part="questions"></div>
            <div data-note="qa"></div>
            ${this.askForm()}
          </section>
          <section class="room-panel" id="room-panel-polls" role="tabpanel" aria-labelledby="room-tab-polls" data-panel="polls">
            <div data-part="polls"></div>
            ${staffOnly(this.pollCreator())}
          </section>
        </div>
      </div>`;
  }

  chatForm() {
    return html`<form class="chat-form" data-form="chat" novalidate data-testid="chat-form">
      <label for="chat-text" class="visually-hidden">${t("room.chat.label")}</label>
      <textarea id="chat-text" name="text" rows="2" maxlength="2000" placeholder="${t("room.chat.label")}"
        aria-describedby="chat-hint" data-focus-key="chat-text"></textarea>
      <button type="submit" class="button button-primary" data-focus-key="chat-send">${t("room.chat.send")}</button>
      <p class="form-hint" id="chat-hint">${t("room.chat.hint")}</p>
      <div class="form-note" data-note="chat"></div>
    </form>`;
  }

  askForm() {
    return html`<form class="ask-form" data-form="ask" novalidate data-testid="ask-form">
      <label for="ask-text" class="ask-label">${t("room.qa.ask")}</label>
      <textarea id="ask-text" name="text" rows="2" maxlength="500" data-focus-key="ask-text"></textarea>
      <label class="check"><input type="checkbox" name="anonymous" data-focus-key="ask-anonymous"> ${t("room.qa.anonymous")}</label>
      <button type="submit" class="button button-primary" data-focus-key="ask-submit">${t("room.qa.submit")}</button>
      <div class="form-note" data-note="ask"></div>
    </form>`;
  }

  announceForm() {
    return html`<form class="announce-form" data-form="announce" novalidate data-testid="announce-form">
      <label for="announce-text">${t("room.announce.label")}</label>
      <div class="announce-row">
        <input id="announce-text" name="text" maxlength="2000" data-focus-key="announce-text">
        <button type="submit" class="button" data-focus-key="announce-submit">${t("room.announce.submit")}</button>
      </div>
      <div class="form-note" data-note="announce"></div>
    </form>`;
  }

  pollCreator() {
    return html`<form class="poll-creator staff-box" data-form="poll-create" novalidate data-testid="poll-creator">
      <h4>${t("room.create.title")}</h4>
      <label for="poll-question">${t("room.create.question")}</label>
      <input id="poll-question" name="question" maxlength="500" data-focus-key="poll-question">
      <fieldset class="poll-options"><legend>${t("room.create.options")}</legend>
        <div data-part="poll-options"></div>
        <button type="button" class="link-button" data-add-option data-focus-key="add-option">+ ${t("room.create.add")}</button>
      </fieldset>
      <label class="check"><input type="checkbox" name="multiple" data-focus-key="poll-multiple"> ${t("room.create.multiple")}</label>
      <label for="poll-results">${t("room.create.results")}</label>
      <select id="poll-results" name="results" data-focus-key="poll-results">
        <option value="after_vote">${t("room.create.afterVote")}</option>
        <option value="on_close">${t("room.create.onClose")}</option>
      </select>
      <button type="submit" class="button button-primary" data-focus-key="poll-create">${t("room.create.submit")}</button>
      <div class="form-note" data-note="create"></div>
    </form>`;
  }

  staffPanel() {
    return html`<section class="staff-panel" aria-labelledby="staff-title" data-testid="staff-panel">
      <h3 id="staff-title">${t("room.staff.title")}</h3>
      <div data-note="staff"></div>
      <h4>${t("room.staff.hands")}</h4>
      <div data-part="hands"></div>
      <h4>${t("room.staff.people")}</h4>
      <div data-part="people"></div>
    </section>`;
  }

  /** What typed values a redraw of the page must put back. */
  formValues() {
    const values = [];
    for (const element of this.querySelectorAll("form[data-form] [name]")) {
      const form = element.closest("form").dataset.form;
      if (element.name === "option") continue; // kept in draftOptions
      values.push([form, element.name, element.type === "checkbox" ? element.checked : element.value]);
    }
    return values;
  }

  restoreValues(values) {
    for (const [form, name, value] of values) {
      const element = this.querySelector(`form[data-form="${form}"] [name="${name}"]`);
      if (!element) continue;
      if (element.type === "checkbox") element.checked = value;
      else element.value = value;
    }
  }

  /** Paint every live part whose markup changed since it was last painted. */
  paint() {
    // The socket may stay open for the person's own room: a room refused is not connected.
    this.part("connection", parts.connection(this.failure ? "idle" : this.socket.state));
    this.part("header", this.header());
    if (this.status() !== "ready") return;
    const v = this.view();
    this.part("presence", parts.presence(v.room.presence));
    this.part("handover", parts.handover(this.handover));
    this.part("announcements", parts.announcements(this.allAnnouncements(v.room), v));
    this.part("tabs", this.tabs(v));
    this.part("reactions", parts.reactions(this.recentReactions()));
    this.part("hand-state", parts.handState(v.me));
    this.part("hand", parts.hand(v.me));
    this.part("stage-links", this.stageLinks(v));
    this.paintMessages(v);
    this.part("chat-empty", v.room.messages.length ? "" : html`<p class="room-empty" data-testid="chat-empty">${t("room.chat.empty")}</p>`);
    this.part("chat-status", parts.chatStatus(v, Date.now()));
    this.part("qa-status", parts.qaStatus(v));
    this.part("my-pending", parts.myPending(v));
    this.part("questions", parts.questions(v));
    this.part("polls", parts.polls(v, (id) => parts.note(this.notes[`poll-${id}`])), undefined, { keepChecks: true });
    if (v.moderator) {
      // Whether the backstage (the staff room) is joined yet: its queue and review need it.
      this.querySelector('[data-testid="staff-panel"]')?.setAttribute(
        "data-state", this.staff ? "joined" : "joining");
      this.part("chat-settings", parts.chatSettings(v));
      this.part("qa-settings", parts.qaSettings(v));
      this.part("review", parts.review(v));
      this.part("hands", parts.hands(v));
      this.part("people", parts.people(v));
    }
    for (const box of this.querySelectorAll("[data-note]")) {
      this.part(`note:${box.dataset.note}`, parts.note(this.notes[box.dataset.note]), box);
    }
  }

  /** Paint one part; `keepChecks` keeps the boxes a person ticked (in a ballot) across it. */
  part(name, markup, element = this.querySelector(`[data-part="${name}"]`), { keepChecks = false } = {}) {
    if (!element) return;
    const text = html`${markup}`.text;
    if (this.painted[name] === text) return;
    this.painted[name] = text;
    const ticked = keepChecks
      ? [...element.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.dataset.focusKey)
      : [];
    render(element, html`${markup}`);
    for (const key of ticked) {
      const box = element.querySelector(`input[data-focus-key="${CSS.escape(key)}"]`);
      if (box) box.checked = true;
    }
  }

  /** The poll creator's option fields: drawn when one is added or removed, not while typing. */
  paintOptions() {
    const box = this.querySelector('[data-part="poll-options"]');
    if (box) render(box, parts.pollOptions(this.draftOptions));
  }

  header() {
    const s = this.session;
    const when = s ? html`<p class="room-when" data-testid="room-when">${formatDay(wallDate(s.viewer.start))},
        ${timeRange(s.viewer)}${s.host.tz !== s.viewer.tz
          ? html` <span class="muted">· ${t("room.hostTime", { city: s.host.city, time: timeRange(s.host) })}</span>` : ""}</p>` : "";
    return html`<p class="kicker"><span class="live-dot" aria-hidden="true"></span> ${t("room.kicker")}</p>
      <h2 id="room-title" tabindex="-1" data-focus-key="room-title">${s ? s.title : t("room.title")}</h2>
      ${when}
      <p class="zone-note">${t("room.zoneNote", { zone: viewerZone() })}</p>`;
  }

  /** Into the backstage for those who may speak, into the console for moderators. */
  stageLinks(v) {
    const speaker = speaksHere(me(), this._forum?.slug, current().session);
    return stageLinks({ speaker, moderator: v.moderator, invited: v.me.hand === "invited" });
  }

  tab() {
    const asked = current().tab;
    return parts.TABS.includes(asked) ? asked : "chat";
  }

  tabs(v) {
    const open = this.tab();
    for (const panel of this.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== open;
    const counts = {
      chat: 0,
      qa: v.room.questions.filter((q) => q.status === "visible").length,
      polls: v.room.polls.filter((p) => p.state === "open").length,
    };
    return parts.TABS.map((name) => html`<button type="button" role="tab" id="room-tab-${name}" class="room-tab"
      aria-controls="room-panel-${name}" aria-selected="${String(name === open)}" tabindex="${name === open ? 0 : -1}"
      data-tab="${name}" data-focus-key="tab-${name}" data-testid="tab-${name}">${t(`room.tab.${name}`)}${counts[name]
        ? html` <span class="tab-badge">${counts[name]}</span>` : ""}</button>`);
  }

  /** Chat messages are patched in by id, not redrawn: a busy chat keeps its scroll and focus. */
  paintMessages(v) {
    const list = this.querySelector("[data-messages]");
    const log = this.querySelector("[data-chat-log]");
    if (!list) return;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const wanted = new Map(v.room.messages.map((m) => [String(m.id), m]));
    for (const item of [...list.children]) {
      const m = wanted.get(item.dataset.key);
      if (!m || item.dataset.version !== versionOf(m)) item.remove();
    }
    const existing = new Map([...list.children].map((item) => [item.dataset.key, item]));
    let cursor = list.firstElementChild;
    for (const m of v.room.messages) {
      let item = existing.get(String(m.id));
      if (!item) {
        item = elementOf(parts.message(m, v));
        item.dataset.key = String(m.id);
        item.dataset.version = versionOf(m);
      }
      if (item === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(item, cursor);
    }
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  recentReactions() {
    const recent = new Map();
    for (const burst of this.bursts) {
      for (const [emoji, n] of Object.entries(burst.counts)) recent.set(emoji, (recent.get(emoji) || 0) + n);
    }
    return recent;
  }

  /** While reaction bursts or a wait are showing, look again every second to let them go. */
  tick() {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      const now = Date.now();
      this.bursts = this.bursts.filter((burst) => now - burst.at < BURST_MS);
      if (this.waitUntil && now >= this.waitUntil) {
        this.waitUntil = 0;
        if (this.notes.chat?.wait) delete this.notes.chat;
      }
      if (!this.bursts.length && !this.waitUntil) {
        clearInterval(this.ticker);
        this.ticker = null;
      }
      this.paint();
    }, TICK_MS);
  }

  setNote(name, kind, text, extra = {}) {
    if (kind) this.notes[name] = { kind, text, ...extra };
    else delete this.notes[name];
    this.paint();
  }

  // --- acting --------------------------------------------------------------------------------

  /** Send an operation; a refusal is shown in the note `noteName` and answers null. */
  async act(op, data, noteName, { room = this.publicRoom } = {}) {
    try {
      const answer = await this.socket.request(op, room, data);
      if (this.notes[noteName]?.kind === "error") this.setNote(noteName, null);
      return answer;
    } catch (error) {
      if (!(error instanceof RoomError)) throw error;
      this.setNote(noteName, "error", problemText(error));
      return null;
    }
  }

  onClick(event) {
    const target = event.target.closest("button");
    if (!target || !this.contains(target) || target.getAttribute("aria-disabled") === "true") return;
    const d = target.dataset;
    if (d.tab) this.selectTab(d.tab);
    else if ("retry" in d) this.retry();
    else if (d.react) this.act("reaction.send", { emoji: d.react }, "react");
    else if (d.hand) this.moveHand(d.hand);
    else if (d.upvote) this.upvote(Number(d.upvote));
    else if (d.moderate) this.act(`qa.${d.moderate}`, { question: Number(d.question), value: d.value === "true" }, "qa");
    else if (d.votePoll) this.vote(Number(d.votePoll), [Number(d.choice)]);
    else if (d.movePoll) this.act(`poll.${d.movePoll}`, { poll: Number(d.poll) }, `poll-${d.poll}`);
    else if (d.deleteMessage) this.act("chat.delete", { message: Number(d.deleteMessage) }, "chat-mod");
    else if (d.mute) this.mute(Number(d.mute), d.name, MUTE_MINUTES);
    else if (d.unmute) this.mute(Number(d.unmute), d.name, 0);
    else if (d.invite) this.act("hand.invite", { user: Number(d.invite) }, "staff");
    else if (d.lower) this.act("hand.lower", { user: Number(d.lower) }, "staff");
    else if ("addOption" in d) this.addOption();
    else if (d.removeOption) this.removeOption(Number(d.removeOption));
  }

  onSubmit(event) {
    const form = event.target.closest("form[data-form]");
    if (!form) return;
    event.preventDefault();
    const handlers = {
      chat: () => this.sendChat(form),
      ask: () => this.ask(form),
      announce: () => this.announce(form),
      "poll-create": () => this.createPoll(form),
      "poll-vote": () => this.voteMany(form),
    };
    handlers[form.dataset.form]?.();
  }

  onChange(event) {
    const setting = event.target.dataset?.setting;
    if (setting === "slow_mode_seconds") {
      this.act("room.settings", { slow_mode_seconds: Number(event.target.value) }, "settings-chat");
    } else if (setting === "premoderation") {
      this.act("room.settings", { premoderation: event.target.checked }, "settings-qa");
    }
  }

  onInput(event) {
    const index = event.target.dataset?.option;
    if (index !== undefined) this.draftOptions[Number(index)] = event.target.value;
  }

  onKeydown(event) {
    if (event.target.id === "chat-text" && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    const tab = event.target.closest?.('[role="tab"]');
    if (!tab) return;
    const names = parts.TABS;
    const at = names.indexOf(tab.dataset.tab);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: names.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const name = names[(next + names.length) % names.length];
    this.querySelector(`[data-tab="${name}"]`)?.focus();
    this.selectTab(name);
  }

  selectTab(name) {
    navigate({ tab: name === "chat" ? null : name }, { replace: true });
  }

  retry() {
    this.enter(null);
    this.update();
  }

  async sendChat(form) {
    const box = form.elements.text;
    const text = box.value.trim();
    if (!text) {
      this.setNote("chat", "error", t("room.chat.textMissing"));
      box.focus();
      return;
    }
    if (this.waitUntil > Date.now()) return; // the slow-mode note already says how long
    try {
      await this.socket.request("chat.send", this.publicRoom, { text });
      clearIfSent(box, text);
      if (this.room?.me.muted_until) this.patchMe({ muted_until: null }); // taken: not muted now
      this.setNote("chat", null);
    } catch (error) {
      if (!(error instanceof RoomError)) throw error;
      this.chatRefused(error);
    }
  }

  chatRefused(error) {
    if (error.code === "forbidden" && error.details.until) {
      this.patchMe({ muted_until: error.details.until });
      this.setNote("chat", null); // the muted line above the form says it, politely
    } else if (error.code === "rate_limited" && error.retryAfter) {
      const seconds = Math.max(1, Math.ceil(error.retryAfter));
      this.waitUntil = Date.now() + seconds * 1000;
      // Slow mode's refusal names the text field and says why; the socket's own limit does not.
      const slow = error.details.reason === "slow_mode";
      const key = slow ? "room.chat.slowWait" : "room.tooFast";
      this.setNote("chat", "error", t(key, { seconds }), { wait: true, slow });
      this.tick();
    } else {
      this.setNote("chat", "error", problemText(error));
    }
  }

  async ask(form) {
    const box = form.elements.text;
    const text = box.value.trim();
    if (!text) {
      this.setNote("ask", "error", t("room.qa.textMissing"));
      box.focus();
      return;
    }
    const answer = await this.act("qa.ask", { text, anonymous: form.elements.anonymous.checked }, "ask");
    if (!answer) return;
    if (clearIfSent(box, text)) form.elements.anonymous.checked = false;
    const asked = answer.question;
    if (asked.status === "pending") {
      // Nobody else hears of it until approved, so no push brings it: the reply does.
      const others = this.room.questions.filter((q) => q.id !== asked.id);
      this.room = { ...this.room, questions: [...others, asked].sort((a, b) => a.id - b.id) };
      this.setNote("ask", "info", t("room.qa.sent"));
    } else {
      this.setNote("ask", null);
    }
  }

  async upvote(id) {
    try {
      await this.socket.request("qa.upvote", this.publicRoom, { question: id });
    } catch (error) {
      if (!(error instanceof RoomError)) throw error;
      if (error.code !== "conflict") {
        this.setNote("qa", "error", problemText(error));
        return;
      }
    }
    if (!this.room.me.votes.includes(id)) this.patchMe({ votes: [...this.room.me.votes, id] });
    this.paint();
  }

  async vote(pollId, choices) {
    let answer;
    try {
      answer = await this.socket.request("poll.vote", this.publicRoom, { poll: pollId, choices });
      this.setNote(`poll-${pollId}`, null);
    } catch (error) {
      if (!(error instanceof RoomError)) throw error;
      if (error.code !== "conflict" || !error.details.choices?.length) {
        this.setNote(`poll-${pollId}`, "error", problemText(error));
        return;
      }
      answer = { choices: error.details.choices, counts: null }; // voted before (another tab)
    }
    this.patchMe({ poll_votes: { ...this.room.me.poll_votes, [String(pollId)]: answer.choices } });
    if (answer.counts) {
      const polls = this.room.polls.map((p) =>
        p.id === pollId ? { ...p, counts: answer.counts, voters: answer.voters } : p);
      this.room = { ...this.room, polls };
    }
    this.paint();
    this.querySelector(`#poll-${pollId}`)?.focus(); // the ballot that held focus is gone
  }

  voteMany(form) {
    const choices = [...form.querySelectorAll('input[name="choice"]:checked')].map((box) => Number(box.value));
    const pollId = Number(form.dataset.poll);
    if (!choices.length) {
      this.setNote(`poll-${pollId}`, "error", t("room.polls.pickOne"));
      return;
    }
    this.vote(pollId, choices);
  }

  async moveHand(direction) {
    const answer = await this.act(`hand.${direction}`, {}, "hand");
    if (answer) {
      this.patchMe({ hand: answer.hand ?? null });
      this.paint();
    }
  }

  async mute(user, name, minutes) {
    const answer = await this.act("chat.mute", { user, minutes }, "chat-mod");
    if (!answer) return;
    if (minutes) {
      const time = momentIn(answer.until, viewerZone());
      this.setNote("chat-mod", "info", t("room.chat.mutedUser", { name, time }), { undo: user, name });
    } else {
      this.setNote("chat-mod", "info", t("room.chat.unmuted", { name }));
    }
  }

  async announce(form) {
    const box = form.elements.text;
    const text = box.value.trim();
    if (!text) {
      this.setNote("announce", "error", t("room.announce.textMissing"));
      box.focus();
      return;
    }
    if (await this.act("announce", { text }, "announce")) clearIfSent(box, text);
  }

  async createPoll(form) {
    const question = form.elements.question.value.trim();
    const options = this.draftOptions.map((o) => o.trim()).filter(Boolean);
    if (!question) {
      this.setNote("create", "error", t("room.create.questionMissing"));
      form.elements.question.focus();
      return;
    }
    if (options.length < 2) {
      this.setNote("create", "error", t("room.create.optionsMissing"));
      return;
    }
    const data = { question, options, multiple: form.elements.multiple.checked, results: form.elements.results.value };
    if (!(await this.act("poll.create", data, "create"))) return;
    if (!clearIfSent(form.elements.question, question)) return; // a next poll is being written
    form.reset();
    this.draftOptions = ["", ""];
    this.paintOptions();
    this.setNote("create", "info", t("room.create.created"));
  }

  addOption() {
    if (this.draftOptions.length >= MAX_OPTIONS) return;
    this.draftOptions = [...this.draftOptions, ""];
    this.paintOptions();
    this.querySelector(`#poll-option-${this.draftOptions.length - 1}`)?.focus();
  }

  removeOption(index) {
    this.draftOptions = this.draftOptions.filter((_, i) => i !== index);
    this.paintOptions();
    this.querySelector(`#poll-option-${Math.min(index, this.draftOptions.length - 1)}`)?.focus();
  }
}

/** The words for a refusal: the known ones in the page's language, else the server's own. */
function problemText(error) {
  if (error.code === "offline") return t("room.offline");
  if (error.code === "timeout") return t("room.timeout");
  if (error.code === "rate_limited") return t("room.tooFast", { seconds: Math.max(1, Math.ceil(error.retryAfter || 1)) });
  return t("room.failed", { message: error.message });
}

/**
 * Empty a field once what it held was sent, unless the person has typed on meanwhile (the
 * answer may come after they started the next one). Whether it was emptied.
 */
function clearIfSent(field, sent) {
  if (field.value.trim() !== sent) return false;
  field.value = "";
  return true;
}

/** What a message's list item depends on: redrawn when it is edited. */
function versionOf(m) {
  return `${m.edited_at}|${m.text}`;
}

function elementOf(markup) {
  const template = document.createElement("template");
  template.innerHTML = String(markup).trim();
  return template.content.firstElementChild;
}

customElements.define("pv-room", PvRoom);
