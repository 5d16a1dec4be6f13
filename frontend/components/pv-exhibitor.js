// <pv-exhibitor>: the staff desk of the stands a person works at (`view=exhibitor`). While it
// is open, the person's own room (`user:{id}`) brings every visitor's call to those stands
// (`contact.ring`: who, which stand, their question, until when it rings); Accept answers it
// and opens a chat with the visitor on the private room the server made (<pv-private-chat>).
// A call that ends otherwise (`contact.closed`: a colleague answered first, or nobody did in
// time) leaves the list with a note saying so; a meeting a visitor booked with this person
// (`meeting.booked`), or cancelled (`meeting.cancelled`), gets a note too.
//
// Only calls that ring while the desk is open are heard: keep it open during duty hours.
//
// Beside the calls, the person's meetings that have not ended (GET /me/meetings), each with the
// chat where the two meet (an online meeting's video call starts there) and a way to cancel it.
//
// Below the calls, <pv-stand-dashboard> holds a chosen stand's leads, slots and figures.

import { account, known, me } from "../account.js";
import { deleteJSON, getJSON, paths, postJSON } from "../api.js";
import { meetingDetails, ring, tickCountdowns } from "../contact-parts.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { myStands, refreshStands, staffedStands, standsKnown } from "../my-stands.js";
import { connection } from "../room-parts.js";
import { links, nameOf } from "../showroom-parts.js";
import { roomSocket } from "../socket.js";
import { hrefFor, viewerZone } from "../state.js";
import { dayMomentIn } from "../time.js";

const TICK_MS = 1000;
const NOTES = 5; // the latest notes about calls that ended, newest first

class PvExhibitor extends HTMLElement {
  connectedCallback() {
    this.socket = roomSocket();
    this.person = null; // the id of the person the calls and chats below are for
    this.ownRoom = null;
    this.listening = false; // the own room answered its join: calls are heard from now on
    this.shown = false;
    // Request ids are kept as strings (they come back from data-* attributes as strings).
    this.calls = new Map(); // request id → the ring's data, ringing now
    this.accepting = new Set(); // request ids whose Accept is on its way
    this.mine = new Set(); // request ids this person answered
    this.notes = [];
    this.chats = []; // [{room, heading, element}], the newest first
    this.meetings = null; // my meetings as staff that have not ended; null until loaded
    this.cancelling = null; // the meeting whose cancellation is on its way
    this.ticker = null;
    this.shape = null;
    this.painted = {};
    this.addEventListener("click", (event) => this.onClick(event));
    this.socket.addEventListener("state", () => {
      if (this.shown) this.paint();
    });
    account.addEventListener("change", () => this.onAccount());
    myStands.addEventListener("change", () => {
      if (this.shown) this.draw();
    });
  }

  update({ opened = false } = {}) {
    this.shown = true;
    document.title = this.pageTitle();
    const person = known() ? me() : null;
    if (person) this.joinOwnRoom(person.id);
    if (person && opened) refreshStands(); // made staff meanwhile? the desk asks again
    if (person && (opened || this.meetings === null)) this.loadMeetings();
    for (const chat of this.chats) chat.element.resume();
    this.draw();
    if (opened) this.querySelector("#exhibitor-title")?.focus();
  }

  /** Hidden: calls are no longer heard, so those ringing are let go (how they end is not). */
  pause() {
    this.shown = false;
    this.leaveOwnRoom();
    for (const chat of this.chats) chat.element.pause();
    this.calls.clear();
    clearInterval(this.ticker);
    this.ticker = null;
  }

  /** Another person (or nobody): their calls and chats are not this one's. */
  onAccount() {
    const person = me();
    const id = person ? person.id : null;
    if (id !== this.person) {
      this.person = id;
      this.pause();
      this.calls.clear();
      this.accepting.clear();
      this.mine.clear();
      this.notes = [];
      this.chats = [];
      this.meetings = null;
    }
    if (!this.hidden) this.update();
  }

  pageTitle() {
    const waiting = this.calls.size ? `(${this.calls.size}) ` : "";
    return `${waiting}${t("exhibitor.title")} — ${t("app.name")}`;
  }

  // --- the calls -----------------------------------------------------------------------------

  joinOwnRoom(id) {
    const room = `user:${id}`;
    if (this.ownRoom === room) return;
    this.leaveOwnRoom();
    this.ownRoom = room;
    this.socket.join(room, {
      snapshot: () => {
        this.listening = true;
        this.paint();
        this.catchUp();
      },
      push: (push) => this.onNotice(push),
      failed: () => {
        this.ownRoom = null;
        this.listening = false;
        this.paint();
      },
    });
  }

  /** Calls that began ringing before this desk listened (opened or reloaded mid-ring). */
  async catchUp() {
    let ringing;
    try {
      ringing = await getJSON(paths.myRinging());
    } catch {
      return; // the pushes still come; only calls already ringing are missed
    }
    for (const call of ringing) {
      const id = String(call.request);
      if (!this.mine.has(id) && !this.calls.has(id)) this.calls.set(id, call);
    }
    if (this.calls.size) this.startTicker();
    this.paint();
  }

  leaveOwnRoom() {
    if (!this.ownRoom) return;
    this.socket.leave(this.ownRoom);
    this.ownRoom = null;
    this.listening = false;
  }

  onNotice({ type, data }) {
    const id = String(data.request);
    if (type === "contact.ring") {
      if (this.mine.has(id)) return;
      this.calls.set(id, data);
      this.say(t("exhibitor.ringing", { name: data.visitor.name, stand: nameOf(data.stand) }));
      this.startTicker();
    } else if (type === "contact.closed") {
      const call = this.calls.get(id);
      this.calls.delete(id);
      if (call && !this.mine.has(id)) this.endedNote(call, data.state);
    } else if (type === "meeting.booked") {
      this.meetingNote("exhibitor.booked", data.visitor.name, data);
      this.loadMeetings();
    } else if (type === "meeting.cancelled") {
      this.meetingNote("exhibitor.meetingCancelled", data.by.name, data);
      this.loadMeetings();
    }
    this.paint();
  }

  // --- the meetings ---------------------------------------------------------------------------

  async loadMeetings() {
    const person = this.person;
    try {
      const mine = await getJSON(paths.myMeetings());
      if (person !== this.person) return;
      this.meetings = mine.filter((m) => m.as === "staff");
    } catch {
      if (this.meetings === null) this.meetings = [];
    }
    this.paint();
  }

  openMeetingChat(id) {
    const meeting = this.meetings?.find((m) => String(m.id) === id);
    if (meeting?.room) this.openChat(meeting.room, { visitor: meeting.with, stand: meeting.stand });
  }

  async cancelMeeting(id) {
    const meeting = this.meetings?.find((m) => String(m.id) === id);
    if (!meeting || this.cancelling) return;
    this.cancelling = meeting.id;
    this.paint();
    try {
      await deleteJSON(paths.meeting(meeting.id));
      this.note(t("exhibitor.youCancelled", { name: meeting.with.name, when: dayMomentIn(meeting.start, viewerZone()) }));
    } catch (error) {
      if (error.status !== 404) this.note(t("exhibitor.cancelFailed", { message: error.message }));
    }
    this.cancelling = null;
    await this.loadMeetings();
    this.querySelector("#exhibitor-meetings-title")?.focus();
  }

  /** A meeting booked or cancelled by `name`, said in a note. */
  meetingNote(key, name, { stand: slug, start }) {
    const stand = staffedStands().find((s) => s.slug === slug);
    this.note(t(key, { name, stand: stand ? nameOf(stand) : slug, when: dayMomentIn(start, viewerZone()) }));
  }

  /** A call that left the list, and why (`answered` by someone else, or `missed`). */
  endedNote(call, state) {
    const key = state === "answered" ? "exhibitor.answeredElsewhere" : "exhibitor.missed";
    this.note(t(key, { name: call.visitor.name, stand: nameOf(call.stand) }));
  }

  note(text) {
    this.notes = [{ text, at: Date.now() }, ...this.notes].slice(0, NOTES);
    this.say(text);
  }

  /** Tell screen readers (the list of calls is drawn apart, and not a live region). */
  say(text) {
    const region = this.querySelector("[data-announce]");
    if (region) region.textContent = text;
  }

  startTicker() {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      if (!this.calls.size) {
        clearInterval(this.ticker);
        this.ticker = null;
        return;
      }
      tickCountdowns(this);
    }, TICK_MS);
  }

  async accept(id) {
    const call = this.calls.get(id);
    if (!call || this.accepting.has(id)) return;
    this.accepting.add(id);
    this.paint();
    try {
      const answer = await postJSON(paths.acceptContact(id));
      this.mine.add(id);
      this.calls.delete(id);
      this.openChat(answer.room, call);
      this.querySelector("pv-stand-dashboard")?.refresh(); // the call made or moved a lead
    } catch (error) {
      this.calls.delete(id);
      if (error.status === 409) this.endedNote(call, await this.stateOf(id));
      else this.note(t("exhibitor.acceptFailed", { name: call.visitor.name, message: error.message }));
      this.querySelector("#exhibitor-calls-title")?.focus();
    } finally {
      this.accepting.delete(id);
      this.paint();
    }
  }

  /** How a call that can no longer be accepted ended: `answered` (by a colleague) or `missed`. */
  async stateOf(id) {
    try {
      return (await getJSON(paths.contactRequest(id))).state;
    } catch {
      return "missed";
    }
  }

  /** The chat on `room`, first in the list (a visitor who calls again talks in the same one). */
  openChat(room, call) {
    const existing = this.chats.find((chat) => chat.room === room);
    const element = existing ? existing.element : document.createElement("pv-private-chat");
    const heading = t("exhibitor.chatWith", { name: call.visitor.name, stand: nameOf(call.stand) });
    this.chats = [{ room, heading, element }, ...this.chats.filter((chat) => chat.room !== room)];
    this.painted.chats = null;
    this.paint();
    element.open(room, heading, call.visitor.name);
    element.querySelector("textarea")?.focus();
    this.say(t("exhibitor.chatOpened", { name: call.visitor.name }));
  }

  closeChat(room) {
    const chat = this.chats.find((item) => item.room === room);
    if (!chat) return;
    chat.element.pause();
    this.chats = this.chats.filter((item) => item !== chat);
    this.painted.chats = null;
    this.paint();
    this.querySelector("#exhibitor-chats-title")?.focus();
  }

  // --- drawing -------------------------------------------------------------------------------

  status() {
    if (!known()) return "loading";
    if (!me()) return "signin";
    if (!standsKnown()) return "loading";
    return staffedStands().length ? "ready" : "none";
  }

  draw() {
    const status = this.status();
    // The zone too: the stand's dashboard below shows and takes times in it.
    const shape = [status, lang(), viewerZone(), staffedStands().map((s) => s.slug).join(",")].join("|");
    if (shape !== this.shape) {
      this.shape = shape;
      this.painted = {};
      render(this, this.page(status));
    }
    this.paint();
  }

  page(status) {
    return html`<section class="wrap exhibitor-page" aria-labelledby="exhibitor-title" data-testid="exhibitor-page"
        data-status="${status}">
      <header class="section-head">
        <h2 id="exhibitor-title" tabindex="-1" data-focus-key="exhibitor-title">${t("exhibitor.title")}</h2>
        <p class="room-status" data-part="connection"></p>
      </header>
      ${status === "ready" ? this.desk() : this.elsewhere(status)}
    </section>`;
  }

  elsewhere(status) {
    if (status === "loading") return html`<p class="notice notice-loading" role="status">${t("exhibitor.loading")}</p>`;
    if (status === "signin") {
      return html`<div class="empty-state" data-testid="exhibitor-signin"><p>${t("exhibitor.signIn")}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="exhibitor-signin">${t("account.signIn")}</a></div>`;
    }
    return html`<div class="empty-state" data-testid="exhibitor-none"><p>${t("exhibitor.none")}</p>
      <a class="button" href="${links.hall()}" data-focus-key="exhibitor-hall">${t("showrooms.title")}</a></div>`;
  }

  desk() {
    const stands = staffedStands();
    return html`<p class="exhibitor-intro">${t("exhibitor.intro")}</p>
      <p class="exhibitor-stands">${t("exhibitor.yourStands")}
        ${stands.map((s, i) => html`${i ? ", " : ""}<a href="${links.stand(s.slug)}" data-focus-key="own-${s.slug}">${nameOf(s)}</a>`)}</p>
      <p class="visually-hidden" aria-live="assertive" data-announce data-testid="exhibitor-announce"></p>
      <div class="exhibitor-layout">
        <section class="stand-box" aria-labelledby="exhibitor-calls-title" data-testid="calls">
          <h3 id="exhibitor-calls-title" tabindex="-1">${t("exhibitor.calls")}</h3>
          <div data-part="calls"></div>
          <div data-part="notes"></div>
          <h3 id="exhibitor-meetings-title" class="block-title" tabindex="-1">${t("exhibitor.meetings")}</h3>
          <div data-part="meetings" data-testid="desk-meetings"></div>
        </section>
        <section aria-labelledby="exhibitor-chats-title" data-testid="chats">
          <h3 id="exhibitor-chats-title" class="block-title" tabindex="-1">${t("exhibitor.chats")}</h3>
          <div class="exhibitor-chats" data-part="chats"></div>
        </section>
      </div>
      <pv-stand-dashboard></pv-stand-dashboard>`;
  }

  paint() {
    if (!this.shown) return;
    document.title = this.pageTitle();
    // "Connected" only once calls can reach the desk, not as soon as the socket opens.
    const state = this.socket.state === "online" && !this.listening ? "connecting" : this.socket.state;
    this.part("connection", connection(this.ownRoom ? state : "idle"));
    if (this.status() !== "ready") return;
    const calls = [...this.calls.values()];
    this.part("calls", calls.length
      ? html`<ul class="rings">${calls.map((call) => ring(call, this.accepting.has(String(call.request))))}</ul>`
      : html`<p class="room-empty" data-testid="calls-empty">${t("exhibitor.noCalls")}</p>`);
    this.part("notes", this.notes.length ? html`<ul class="call-notes" data-testid="call-notes">
      ${this.notes.map((item) => html`<li>${item.text}</li>`)}</ul>` : "");
    this.part("meetings", this.meetingList());
    this.paintChats();
  }

  meetingList() {
    if (this.meetings === null) return html`<p class="room-empty">${t("exhibitor.meetingsLoading")}</p>`;
    if (!this.meetings.length) {
      return html`<p class="room-empty" data-testid="meetings-empty">${t("exhibitor.noMeetings")}</p>`;
    }
    const zone = viewerZone();
    return html`<ul class="meeting-list">${this.meetings.map((m) => html`<li class="meeting-item" data-testid="desk-meeting">
      ${meetingDetails(m, zone, { cancelling: this.cancelling === m.id, stand: true })}</li>`)}</ul>`;
  }

  part(name, markup) {
    const element = this.querySelector(`[data-part="${name}"]`);
    if (!element) return;
    const text = html`${markup}`.text;
    if (this.painted[name] === text) return;
    this.painted[name] = text;
    render(element, html`${markup}`);
  }

  /** Each chat is one element kept across paints; only the frame around them is drawn. */
  paintChats() {
    const box = this.querySelector('[data-part="chats"]');
    if (!box) return;
    const key = `${lang()}|${this.chats.map((chat) => chat.room).join(",")}`;
    if (this.painted.chats === key) return;
    const active = document.activeElement;
    const kept = this.chats.find((chat) => chat.element.contains(active)) ? active : null;
    this.painted.chats = key;
    if (!this.chats.length) {
      render(box, html`<p class="room-empty" data-testid="chats-empty">${t("exhibitor.noChats")}</p>`);
      return;
    }
    render(box, this.chats.map((chat, i) => html`<div class="exhibitor-chat" data-chat="${i}">
      <div data-chat-slot></div>
      <button type="button" class="link-button" data-close-chat="${chat.room}"
        aria-label="${t("exhibitor.closeChatLabel", { name: chat.heading })}">${t("exhibitor.closeChat")}</button>
    </div>`));
    for (const [i, chat] of this.chats.entries()) {
      box.querySelector(`[data-chat="${i}"] [data-chat-slot]`).replaceWith(chat.element);
    }
    kept?.focus({ preventScroll: true });
  }

  onClick(event) {
    const button = event.target.closest("button");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    if (button.dataset.accept) this.accept(button.dataset.accept);
    else if (button.dataset.closeChat) this.closeChat(button.dataset.closeChat);
    else if (button.dataset.meetingChat) this.openMeetingChat(button.dataset.meetingChat);
    else if (button.dataset.cancelMeeting) this.cancelMeeting(button.dataset.cancelMeeting);
  }
}

customElements.define("pv-exhibitor", PvExhibitor);
