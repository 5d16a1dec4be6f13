// <pv-contact>: "Talk to us now" on a stand's page: the visitor's side of a contact request.
// Pressing it rings every member of the stand's staff on duty; the panel counts down to the
// request's deadline and waits for one of two notices in the visitor's own room
// (`user:{id}`): `contact.answered` opens a chat on the private room it names
// (<pv-private-chat>), `contact.missed` brings meeting slots, shown in the viewer's zone, each
// with a Book button that answers with the meeting's calendar file. When nobody is on duty the
// request is missed at once. Signed out, the panel asks the visitor to sign in first.
//
// Notices can be missed (the socket was down, or they came before the room was joined), so
// each join of the room and the end of the countdown ask the server where the request stands.
// The request of each stand is kept for the tab (sessionStorage), so a reload resumes it.
//
// <pv-stand> keeps one of these and moves it into each rendering of its page.

import { account, me } from "../account.js";
import { deleteJSON, getJSON, paths, postJSON, putJSON } from "../api.js";
import { booked, countdown, meetingDetails, offer, secondsLeft, slotWhen, tickCountdowns } from "../contact-parts.js";
import { html, render } from "../html.js";
import { countryName } from "../showroom-parts.js";
import { i18n, t } from "../i18n.js";
import { roomSocket } from "../socket.js";
import { hrefFor, viewerZone } from "../state.js";
import { dayMomentIn } from "../time.js";

const TICK_MS = 1000;
const RECHECK_MS = 3000; // after the deadline, ask the server this often until it says
const STORE = "pavilion.contact."; // + stand slug → the id of the tab's request there

/** What the panel knows of one stand: the request, the meeting booked, the slots taken. */
function blank() {
  return {
    request: null, meeting: null, taken: new Set(), problem: null, busy: false, booking: null, cancelling: null,
    upcoming: [], // my meetings at this stand that have not ended (GET /me/meetings)
    chatting: false, // the chat opened from one of those meetings, or the earlier conversation
    conversation: null, // my earlier conversation with this stand (GET /me/conversations)
    consent: null, // what of my details this stand may see (null: not read yet)
    consentDraft: null, // the boxes as ticked but not saved yet
    consentBusy: false,
    consentNote: null, // what the last save did, said once
  };
}

class PvContact extends HTMLElement {
  connectedCallback() {
    if (this.body) return; // moved into a new rendering of the stand page: keep it all
    this._stand = null;
    this.socket = roomSocket();
    this.entries = new Map(); // stand slug → blank()
    this.ownRoom = null;
    this.person = null; // the id of the person the requests below are of
    this.shown = false;
    this.ticker = null;
    this.checkedAt = 0;
    this.chat = document.createElement("pv-private-chat");
    this.innerHTML = `<div class="contact-body"></div>
      <p class="visually-hidden" aria-live="polite" data-announce data-testid="contact-announce"></p>`;
    this.body = this.querySelector(".contact-body");
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("change", (event) => this.onChange(event));
    i18n.addEventListener("change", () => this.draw());
    account.addEventListener("change", () => this.onAccount());
  }

  /** The stand shown (as <pv-stand> has it: its slug, name, staff). */
  set stand(value) {
    const another = !this._stand || this._stand.slug !== value.slug;
    if (another) this.chat.pause(); // another stand's conversation
    this._stand = value;
    if (another) {
      this.restore();
      this.loadMeetings();
      this.loadConversation();
      this.loadConsent();
    }
    this.draw();
  }

  get stand() {
    return this._stand;
  }

  entry(slug = this._stand?.slug) {
    if (!this.entries.has(slug)) this.entries.set(slug, blank());
    return this.entries.get(slug);
  }

  get request() {
    return this._stand ? this.entry().request : null;
  }

  /** The stand page is shown: hear the request's notices and its chat again. */
  resume() {
    if (!this.body) return;
    this.shown = true;
    this.follow();
  }

  /** The stand page is hidden: stop hearing anything (the request itself goes on). */
  pause() {
    if (!this.body) return; // never shown yet
    this.shown = false;
    this.leaveOwnRoom();
    this.chat.pause();
    clearInterval(this.ticker);
    this.ticker = null;
  }

  onAccount() {
    const person = me();
    if (!person || person.id !== this.person) {
      this.leaveOwnRoom();
      this.chat.pause();
      this.entries.clear(); // another person's requests are not this one's
      this.restore();
      this.loadMeetings();
      this.loadConversation();
      this.loadConsent();
    }
    this.person = person ? person.id : null;
    if (this.shown) this.follow();
    this.draw();
  }

  // --- where the request stands ----------------------------------------------------------------

  /** After a reload: the request this tab made at this stand, if the server still has it. */
  async restore() {
    const slug = this._stand?.slug;
    let id = null;
    try {
      id = sessionStorage.getItem(STORE + slug);
    } catch {
      id = null; // storage refused: nothing to resume
    }
    if (!slug || !id || !me() || this.entry(slug).request) return;
    try {
      const found = await getJSON(paths.contactRequest(id));
      if (found.stand === slug && !this.entry(slug).request) this.settle(slug, found);
    } catch {
      this.remember(slug, null);
    }
  }

  remember(slug, id) {
    try {
      if (id === null) sessionStorage.removeItem(STORE + slug);
      else sessionStorage.setItem(STORE + slug, String(id));
    } catch {
      // private browsing may refuse storage: the request simply does not survive a reload
    }
  }

  /** The request of `slug` is now `request`: say so, and follow it. */
  settle(slug, request) {
    const entry = this.entry(slug);
    const before = entry.request?.state;
    const here = slug === this._stand?.slug;
    // Focus follows the news only from inside the panel (its button may be gone), never
    // away from whatever else on the page the person is reading.
    const active = document.activeElement;
    const focusHere = this.contains(active) && !this.chat.contains(active);
    entry.request = request;
    this.remember(slug, request.id);
    if (request.state !== before && here) this.announce(this.stateText(request));
    if (here && this.shown) this.follow();
    this.draw();
    if (request.state !== before && here && focusHere) {
      this.querySelector("[data-contact-state]")?.focus({ preventScroll: true });
    }
  }

  /** Hear my own notices (a request's news, a meeting the stand cancelled); tick while a
   * request rings; open its chat once answered. */
  follow() {
    if (!me()) return;
    this.joinOwnRoom();
    const request = this.request;
    if (!request) return;
    if (request.state === "open") this.startTicker();
    if (request.state === "answered" && request.room) {
      const peer = request.answered_by?.name || this._stand.name;
      this.chat.open(request.room, t("contact.chatWith", { name: peer }), peer);
    }
  }

  /** My meetings at the stand shown (the chat of one may be opened from the panel). */
  async loadMeetings() {
    const slug = this._stand?.slug;
    if (!slug || !me()) return;
    let mine;
    try {
      mine = await getJSON(paths.myMeetings());
    } catch {
      return; // the panel works without them; they come back with the next visit
    }
    this.entry(slug).upcoming = mine.filter((m) => m.as === "visitor" && m.stand.slug === slug);
    if (slug === this._stand?.slug) this.draw();
  }

  /** My earlier conversation with the stand shown, if I had one: I pick it up, not ring again. */
  async loadConversation() {
    const slug = this._stand?.slug;
    if (!slug || !me()) return;
    let mine;
    try {
      mine = await getJSON(paths.myConversations());
    } catch {
      return; // the panel works without it: ringing again opens the same chat
    }
    this.entry(slug).conversation = mine.find((c) => c.stand.slug === slug) || null;
    if (slug === this._stand?.slug) this.draw();
  }

  /** What of my details the stand shown may see. */
  async loadConsent() {
    const slug = this._stand?.slug;
    if (!slug || !me()) return;
    try {
      this.entry(slug).consent = (await getJSON(paths.consent(slug))).share;
    } catch {
      return; // not shown: the choice cannot be made without knowing the current one
    }
    if (slug === this._stand?.slug) this.draw();
  }

  /** Open my earlier conversation with the stand, below the panel. */
  openConversation() {
    const entry = this.entry();
    if (!entry.conversation) return;
    entry.chatting = true;
    this.draw();
    this.chat.open(entry.conversation.room, t("contact.chatWith", { name: this._stand.name }), this._stand.name);
    this.chat.querySelector("textarea")?.focus();
  }

  /** Open the chat of one of my meetings here, below the meetings. */
  openMeetingChat(id) {
    const entry = this.entry();
    const meeting = [entry.meeting, ...entry.upcoming].find((m) => m && String(m.id) === String(id));
    if (!meeting?.room) return;
    entry.chatting = true;
    this.draw();
    const peer = meeting.with?.name || meeting.staff.name;
    this.chat.open(meeting.room, t("contact.chatWith", { name: peer }), peer);
    this.chat.querySelector("textarea")?.focus();
  }

  joinOwnRoom() {
    const room = `user:${me().id}`;
    if (this.ownRoom === room) return;
    this.leaveOwnRoom();
    this.ownRoom = room;
    this.socket.join(room, {
      snapshot: () => {
        // Joined (or back after a drop): notices may have been missed meanwhile.
        this.check();
        this.loadMeetings();
      },
      push: (push) => this.onNotice(push),
      failed: () => {
        this.ownRoom = null; // the countdown's end still asks the server
      },
    });
  }

  leaveOwnRoom() {
    if (!this.ownRoom) return;
    this.socket.leave(this.ownRoom);
    this.ownRoom = null;
  }

  onNotice({ type, data }) {
    if (type === "meeting.cancelled") {
      this.meetingCancelled(data);
      return;
    }
    for (const [slug, entry] of this.entries) {
      const request = entry.request;
      if (!request || request.id !== data.request || request.state !== "open") continue;
      if (type === "contact.answered") {
        this.settle(slug, { ...request, state: "answered", room: data.room, answered_by: data.by });
      } else if (type === "contact.missed") {
        this.settle(slug, { ...request, state: "missed", offers: data.offers });
      }
    }
  }

  /** The stand's staff member cancelled one of my meetings: it goes, and I am told. */
  meetingCancelled({ meeting, by, start }) {
    for (const [slug, entry] of this.entries) {
      if (entry.meeting?.id !== meeting && !entry.upcoming.some((m) => m.id === meeting)) continue;
      if (entry.meeting?.id === meeting) entry.meeting = null;
      entry.upcoming = entry.upcoming.filter((m) => m.id !== meeting);
      entry.problem = t("contact.cancelledBy", { name: by.name, when: dayMomentIn(start, viewerZone()) });
      if (slug === this._stand?.slug) {
        this.announce(entry.problem);
        this.draw();
      }
    }
  }

  /** Ask the server where the ringing request stands. */
  async check() {
    const slug = this._stand?.slug;
    const request = this.request;
    if (!request || request.state !== "open") return;
    this.checkedAt = Date.now();
    try {
      const found = await getJSON(paths.contactRequest(request.id));
      if (this.entry(slug).request?.id === found.id && found.state !== "open") this.settle(slug, found);
    } catch {
      // asked again on the next tick after RECHECK_MS, or by the next notice
    }
  }

  startTicker() {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
  }

  tick() {
    const request = this.request;
    if (!request || request.state !== "open" || !this.shown) {
      clearInterval(this.ticker);
      this.ticker = null;
      return;
    }
    tickCountdowns(this);
    if (!secondsLeft(request.expires_at) && Date.now() - this.checkedAt > RECHECK_MS) this.check();
  }

  // --- drawing -------------------------------------------------------------------------------

  stateText(request) {
    if (request.state === "open") return t("contact.ringing", { stand: this._stand.name });
    if (request.state === "answered") {
      return t("contact.answered", { name: request.answered_by?.name || this._stand.name });
    }
    return t("contact.missed");
  }

  announce(text) {
    const region = this.querySelector("[data-announce]");
    region.textContent = "";
    requestAnimationFrame(() => {
      region.textContent = text; // emptied first: the same words twice are still heard
    });
  }

  /** Render the panel, then put the chat (and any focus inside it) back in. */
  draw() {
    if (!this._stand || !this.body) return;
    const active = document.activeElement;
    const focusInChat = this.chat.contains(active) ? active : null;
    // A push (someone goes on duty, a meeting is booked) redraws the panel while the visitor
    // may be typing their question: what they typed stays.
    const typed = this.body.querySelector("#contact-message")?.value;
    render(this.body, this.panel());
    const field = this.body.querySelector("#contact-message");
    if (field && typed) field.value = typed;
    this.body.querySelector("[data-chat-slot]")?.replaceWith(this.chat);
    if (!this.chat.isConnected) this.chat.pause(); // not shown: its call, if any, ends
    focusInChat?.focus({ preventScroll: true });
  }

  panel() {
    const state = !me() ? "signin" : this.request ? this.request.state : "idle";
    return html`<section class="contact-panel" aria-labelledby="contact-title" data-testid="contact-panel"
        data-state="${state}">
      <h3 id="contact-title">${t("contact.title")}</h3>
      ${this.duty()}
      ${state === "signin" ? "" : this.meetingsHere(state)}
      ${this.content(state)}
      ${state === "idle" || state === "missed" ? this.earlier() : ""}
      ${state !== "answered" && this.entry().chatting ? html`<div data-chat-slot></div>` : ""}
      ${this.entry().problem ? html`<p class="room-note room-note-error" role="alert" data-testid="contact-problem">${this.entry().problem}</p>` : ""}
      ${state === "signin" ? "" : this.consentForm()}
    </section>`;
  }

  /** My earlier conversation with this stand, to pick up where it stopped. */
  earlier() {
    const entry = this.entry();
    const conversation = entry.conversation;
    if (!conversation || entry.chatting) return "";
    return html`<div class="contact-earlier" data-testid="contact-earlier">
      <p>${t("contact.earlier", { stand: this._stand.name })}</p>
      ${conversation.last_text ? html`<blockquote class="contact-last" data-testid="contact-last">${conversation.last_text}</blockquote>` : ""}
      <button type="button" class="button" data-open-conversation data-focus-key="contact-earlier">${t("contact.openEarlier")}</button>
    </div>`;
  }

  /** What of my details the stand may see: my own values beside each box, withdrawable. */
  consentForm() {
    const entry = this.entry();
    const person = me();
    if (entry.consent === null || !person) return "";
    const ticked = new Set(entry.consentDraft ?? entry.consent);
    const details = [
      ["email", person.email],
      ["organisation", person.organisation],
      ["country", person.country],
    ];
    const shared = entry.consent.map((key) => t(`dash.share.${key}`)).join(", ");
    return html`<form class="contact-consent" data-form="consent" data-testid="contact-consent" novalidate>
      <fieldset>
        <legend>${t("consent.title", { stand: this._stand.name })}</legend>
        <p class="form-hint">${t("consent.hint")}</p>
        ${details.map(([key, value]) => html`<label class="check">
          <input type="checkbox" name="share" value="${key}" ${ticked.has(key) ? html`checked` : ""}
            ${value ? "" : html`disabled`} data-focus-key="consent-${key}">
          ${t(`consent.detail.${key}`)}: <span class="consent-value">${value ? (key === "country" ? countryName(value) : value) : t("consent.notGiven")}</span>
        </label>`)}
      </fieldset>
      <p class="consent-now" data-testid="consent-now">${entry.consent.length
        ? t("consent.now", { what: shared }) : t("consent.nameOnly")}</p>
      <div class="form-actions">
        <button type="submit" class="button" data-focus-key="consent-save"
          ${entry.consentBusy ? html`aria-disabled="true"` : ""}>${t("consent.save")}</button>
        ${entry.consent.length ? html`<button type="button" class="link-button" data-withdraw
          data-focus-key="consent-withdraw">${t("consent.withdraw")}</button>` : ""}
      </div>
      ${entry.consentNote ? html`<p class="form-hint" role="status" data-testid="consent-note">${entry.consentNote}</p>` : ""}
    </form>`;
  }

  /** My meetings at this stand, except the one just booked (said below, with the booking). */
  meetingsHere() {
    const entry = this.entry();
    const list = entry.upcoming.filter((m) => m.id !== entry.meeting?.id);
    if (!list.length) return "";
    const zone = viewerZone();
    return html`<section class="contact-meetings" aria-labelledby="contact-meetings-title" data-testid="my-meetings">
      <h4 id="contact-meetings-title">${t("contact.yourMeetings")}</h4>
      <ul class="meeting-list">${list.map((m) => html`<li class="meeting-item" data-testid="my-meeting">
        ${meetingDetails(m, zone, { cancelling: entry.cancelling === m.id })}</li>`)}</ul>
    </section>`;
  }

  duty() {
    const count = this._stand.staff.filter((person) => person.on_duty).length;
    return html`<p class="contact-duty${count ? " is-on" : ""}" data-testid="contact-duty">
      <span class="duty-dot" aria-hidden="true"></span>${count
        ? t("contact.onDuty", { count }) : t("contact.offDuty")}</p>`;
  }

  content(state) {
    if (state === "signin") {
      return html`<p>${t("contact.signIn")}</p>
        <a class="button button-primary contact-go" href="${hrefFor({ view: "signin" })}" data-testid="contact-signin"
          data-focus-key="contact-signin">${t("account.signIn")}</a>`;
    }
    if (state === "idle") return this.callForm();
    if (state === "open") return this.ringing();
    if (state === "answered") return this.answered();
    return this.missed();
  }

  callForm() {
    const busy = this.entry().busy;
    return html`<form class="contact-form" data-form="call" novalidate>
      <label for="contact-message">${t("contact.message")}</label>
      <textarea id="contact-message" name="message" rows="3" maxlength="500" data-focus-key="contact-message"
        aria-describedby="contact-hint"></textarea>
      <p class="form-hint" id="contact-hint">${t("contact.hint")}</p>
      <button type="submit" class="button button-primary contact-go" data-testid="talk-now" data-focus-key="talk-now"
        ${busy ? html`aria-disabled="true"` : ""}>${t(busy ? "contact.calling" : "contact.talk")}</button>
    </form>`;
  }

  ringing() {
    const request = this.request;
    return html`<div class="contact-ringing" data-testid="contact-ringing">
      <p class="contact-state-line" tabindex="-1" data-contact-state><span class="ring-pulse" aria-hidden="true"></span>
        ${t("contact.ringing", { stand: this._stand.name })}</p>
      ${countdown(request.expires_at, `call-${request.id}`)}
      <p class="muted">${t("contact.stay")}</p>
    </div>`;
  }

  answered() {
    const name = this.request.answered_by?.name || this._stand.name;
    return html`<p class="contact-state-line is-answered" tabindex="-1" data-contact-state data-testid="contact-answered">
      ✓ ${t("contact.answered", { name })}</p>
      <div data-chat-slot></div>`;
  }

  missed() {
    const entry = this.entry();
    const zone = viewerZone();
    if (entry.meeting) {
      return html`<p class="contact-state-line" tabindex="-1" data-contact-state>${t("contact.missed")}</p>
        ${booked(entry.meeting, zone, { cancelling: entry.cancelling === entry.meeting.id })}`;
    }
    const offers = (this.request.offers || []).filter((slot) => !entry.taken.has(slot.id));
    return html`<div class="contact-missed" data-testid="contact-missed">
      <p class="contact-state-line" tabindex="-1" data-contact-state>${t("contact.missed")}</p>
      ${offers.length
        ? html`<p>${t("contact.offers")}</p>
          <p class="zone-note">${t("contact.zoneNote", { zone })}</p>
          <ul class="offers" data-testid="offers">${offers.map((slot) => offer(slot, zone, entry.booking !== null))}</ul>`
        : entry.upcoming.length ? "" : html`<p class="muted">${t("contact.noOffers")}</p>`}
      <button type="button" class="link-button" data-again data-focus-key="contact-again">${t("contact.again")}</button>
    </div>`;
  }

  // --- acting --------------------------------------------------------------------------------

  onSubmit(event) {
    const form = event.target.closest("form[data-form]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.form === "call") this.call(form);
    else if (form.dataset.form === "consent") this.saveConsent(this.entry().consentDraft ?? this.entry().consent);
  }

  /** A box ticked: kept as a draft, so a redraw before saving does not untick it. */
  onChange(event) {
    const form = event.target.closest('form[data-form="consent"]');
    if (!form) return;
    this.entry().consentDraft = [...form.querySelectorAll('input[name="share"]:checked')].map((box) => box.value);
  }

  async saveConsent(share) {
    const slug = this._stand.slug;
    const entry = this.entry(slug);
    if (entry.consentBusy || share === null) return;
    entry.consentBusy = true;
    entry.consentNote = null;
    this.draw();
    try {
      entry.consent = (await putJSON(paths.consent(slug), { share })).share;
      entry.consentDraft = null;
      entry.consentNote = entry.consent.length ? t("consent.saved") : t("consent.withdrawn");
      this.announce(entry.consentNote);
    } catch (error) {
      entry.consentNote = t("contact.failed", { message: error.message });
    }
    entry.consentBusy = false;
    this.draw();
  }

  onClick(event) {
    const button = event.target.closest("button");
    if (!button || !this.body.contains(button) || button.getAttribute("aria-disabled") === "true") return;
    if (button.dataset.book) this.book(button.dataset.book);
    else if (button.dataset.cancelMeeting) this.cancelMeeting(Number(button.dataset.cancelMeeting));
    else if (button.dataset.meetingChat) this.openMeetingChat(button.dataset.meetingChat);
    else if ("again" in button.dataset) this.again();
    else if ("openConversation" in button.dataset) this.openConversation();
    else if ("withdraw" in button.dataset) this.saveConsent([]);
  }

  async call(form) {
    const slug = this._stand.slug;
    const entry = this.entry(slug);
    if (entry.busy) return;
    const text = form.elements.message.value.trim();
    entry.busy = true;
    entry.problem = null;
    this.draw();
    this.joinOwnRoom(); // before asking: an answer may come at once
    try {
      const request = await postJSON(paths.contactRequests(slug), { message: text || null });
      entry.busy = false;
      this.settle(slug, request); // focus was on the button: it goes to the news
    } catch (error) {
      entry.busy = false;
      entry.problem = error.status === 401 ? t("contact.signIn")
        : error.code === "rate_limited" ? t("contact.tooMany", { minutes: Math.max(1, Math.ceil((error.retryAfter || 60) / 60)) })
          : t("contact.failed", { message: error.message });
      this.draw();
    }
  }

  async book(id) {
    const slug = this._stand.slug;
    const entry = this.entry(slug);
    const slot = (entry.request.offers || []).find((item) => String(item.id) === id);
    if (!slot || entry.booking !== null) return;
    entry.booking = slot.id;
    entry.problem = null;
    this.draw();
    try {
      entry.meeting = await postJSON(paths.meetings(slug), { slot: slot.id });
      this.announce(`${t("contact.booked")} ${slotWhen(entry.meeting, viewerZone())}`);
      entry.upcoming = [...entry.upcoming, entry.meeting];
    } catch (error) {
      if (error.details?.reason === "meeting_limit") {
        entry.problem = t("contact.meetingLimit", { most: error.details.params?.most ?? 2 });
      } else if (error.status === 409) {
        entry.taken.add(slot.id);
        entry.problem = t("contact.slotTaken");
      } else {
        entry.problem = t("contact.failed", { message: error.message });
      }
    }
    entry.booking = null;
    this.draw();
    const next = entry.meeting ? "[data-testid=meeting-booked]" : "[data-book]";
    (this.querySelector(next) || this.querySelector("[data-contact-state]"))?.focus();
  }

  /** Cancel one of my meetings here (both people are mailed the cancellation); a slot just
   * booked is offered again, so another can be chosen at once. */
  async cancelMeeting(id) {
    const slug = this._stand.slug;
    const entry = this.entry(slug);
    if (entry.cancelling !== null) return;
    const meeting = [entry.meeting, ...entry.upcoming].find((m) => m && m.id === id);
    if (!meeting) return;
    entry.cancelling = id;
    entry.problem = null;
    this.draw();
    let gone = true;
    try {
      await deleteJSON(paths.meeting(id));
      this.announce(t("contact.cancelled"));
    } catch (error) {
      gone = error.status === 404; // cancelled already (by the staff member, say)
      entry.problem = gone ? t("contact.cancelledAlready") : t("contact.failed", { message: error.message });
    }
    if (gone) {
      if (entry.meeting?.id === id) entry.meeting = null;
      entry.upcoming = entry.upcoming.filter((m) => m.id !== id);
    }
    entry.cancelling = null;
    this.draw();
    (this.querySelector("[data-book]") || this.querySelector("[data-contact-state]") || this.querySelector("#contact-title"))
      ?.focus();
  }

  /** Missed: start over (someone may be on duty by now). */
  again() {
    const slug = this._stand.slug;
    this.entries.set(slug, blank());
    this.remember(slug, null);
    this.draw();
    this.querySelector("#contact-message")?.focus();
  }
}

customElements.define("pv-contact", PvContact);
