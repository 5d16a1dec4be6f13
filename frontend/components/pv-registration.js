// <pv-registration>: the registration panel of a session page. Seats left per mode; for the
// signed-in person their registration: register on site or online, their place on the
// waitlist, a seat offered until a deadline, and cancelling (after asking, because the seat
// goes to the next in line). A closed session the person is not invited to says so.
//
// <pv-session> keeps one of these and moves it into every rendering of its page, so what the
// panel knows (and where keyboard focus is inside it) survives a redraw of the page around it.

import { account, known, me, refresh as refreshAccount } from "../account.js";
import { deleteJSON, getJSON, paths, postJSON } from "../api.js";
import { html, render } from "../html.js";
import { ordinal, t } from "../i18n.js";
import { hrefFor } from "../state.js";
import { deadlineIn } from "../time.js";

/** The modes a session of each format takes registrations for. */
const MODES = { onsite: ["onsite"], online: ["online"], hybrid: ["onsite", "online"] };
const ACTIVE = new Set(["confirmed", "waitlisted", "offered"]);
const OVER = new Set(["ended", "cancelled"]);

class PvRegistration extends HTMLElement {
  connectedCallback() {
    if (this.body) return; // moved into a new rendering of the session page: keep it all
    this._session = null;
    this.key = null; // the session and person the registration below was asked for
    this.seatsAsked = 0;
    this.reset();
    this.innerHTML = `<div class="registration-body"></div>
      <p class="visually-hidden" aria-live="polite" data-announce></p>`;
    this.body = this.querySelector(".registration-body");
    this.addEventListener("click", (event) => this.onClick(event));
    account.addEventListener("change", () => this.refresh());
  }

  reset() {
    this.seats = null;
    this.seatsFailure = null;
    this.mine = undefined; // undefined: not known yet; null: not registered
    this.closed = false; // invite-only, and this person is not invited
    this.failure = null; // asking for the registration failed
    this.problem = null; // the last action's error, in the API's words
    this.busy = false;
    this.confirming = false;
  }

  /** The session shown (as the session page has it); a fresh answer counts the seats again. */
  set session(value) {
    const previous = this._session;
    this._session = value;
    if (!previous || previous.id !== value.id) {
      this.reset();
      this.key = null;
    }
    if (value !== previous) this.loadSeats();
    this.refresh();
  }

  get session() {
    return this._session;
  }

  /** Ask again for the person's registration when the session or the person changed. */
  refresh() {
    if (!this._session) return;
    const key = known() ? `${this._session.id}|${me() ? me().id : "-"}` : null;
    if (key === null || key === this.key) {
      this.draw();
      return;
    }
    this.key = key;
    this.loadMine(key);
  }

  async loadMine(key) {
    Object.assign(this, { mine: undefined, closed: false, failure: null, problem: null, confirming: false });
    if (this._session.access === "invite_only") this.loadSeats(); // shown to invitees only
    this.draw();
    let mine = null;
    try {
      if (me()) mine = await getJSON(paths.myRegistration(this._session.id));
    } catch (error) {
      if (key !== this.key) return;
      if (error.status === 403) this.closed = true;
      else if (error.status !== 404) this.failure = error;
    }
    if (key !== this.key) return;
    this.mine = mine;
    this.draw();
  }

  async loadSeats() {
    const ticket = ++this.seatsAsked;
    let seats = null;
    let failure = null;
    try {
      seats = (await getJSON(paths.seats(this._session.id))).left;
    } catch (error) {
      // A closed session's seats are for its invitees and staff: nothing to show the others.
      if (error.status !== 401 && error.status !== 403) failure = error;
    }
    if (ticket !== this.seatsAsked) return;
    this.seats = seats;
    this.seatsFailure = failure;
    this.draw();
  }

  onClick(event) {
    const button = event.target.closest("button[data-action]");
    if (!button || this.busy) return;
    const id = this._session.id;
    const actions = {
      register: () => this.act(() => postJSON(paths.registrations(id), { mode: button.dataset.mode })),
      accept: () => this.act(() => postJSON(paths.acceptOffer(id))),
      cancel: () => this.ask(true),
      keep: () => this.ask(false),
      confirm: () => this.act(() => deleteJSON(paths.myRegistration(id))),
      retry: () => this.retry(),
    };
    actions[button.dataset.action]();
  }

  /** Show or close the "cancel?" question, with focus on the question or back on Cancel. */
  ask(open) {
    this.confirming = open;
    this.problem = null;
    this.draw();
    this.querySelector(open ? "[data-confirm-question]" : '[data-action="cancel"]')?.focus();
  }

  retry() {
    this.key = null;
    this.refresh();
    this.loadSeats();
  }

  /** Run one registration request; the answer is the registration as it now stands. */
  async act(request) {
    const key = this.key;
    this.busy = true;
    this.problem = null;
    this.draw();
    try {
      const mine = await request();
      if (key !== this.key) return;
      this.mine = mine;
      this.confirming = false;
      this.announce(mine);
    } catch (error) {
      if (key !== this.key) return;
      this.onRefusal(error);
    } finally {
      this.busy = false;
    }
    this.draw();
    this.settleFocus();
    this.loadSeats();
  }

  onRefusal(error) {
    this.confirming = false;
    if (error.status === 401) {
      refreshAccount(); // signed out meanwhile (elsewhere, or the session ran out)
    } else if (error.status === 403 && this._session.access === "invite_only") {
      this.closed = true; // (any other 403, e.g. a request from a foreign origin, is said as is)
    } else {
      this.problem = error.message;
    }
  }

  /** The button that was pressed is gone after most actions: keep the keyboard in the panel. */
  settleFocus() {
    if (this.contains(document.activeElement)) return;
    const target = this.querySelector("[data-problem]") || this.querySelector("[data-focus-key=reg-status]")
      || this.querySelector("button");
    target?.focus();
  }

  announce(mine) {
    const text = ACTIVE.has(mine.status)
      ? `${t(`registration.status.${mine.status}`)}. ${this.detail(mine)}`
      : t("registration.cancelled");
    this.querySelector("[data-announce]").textContent = text;
  }

  draw() {
    const s = this._session;
    if (!s || !this.body) return;
    render(this.body, html`<section class="registration" aria-labelledby="registration-title"
        data-testid="registration" aria-busy="${String(this.busy)}">
      <h3 id="registration-title">${t("registration.title")}</h3>
      ${this.seatsList(s)}
      ${this.state(s)}
      ${this.problem ? html`<p class="form-error" role="alert" tabindex="-1" data-problem
        data-focus-key="reg-problem" data-testid="registration-error">${t("registration.failed", { message: this.problem })}</p>` : ""}
    </section>`);
  }

  seatsList(s) {
    if (this.seatsFailure) {
      return html`<p class="muted">${t("registration.seatsError", { message: this.seatsFailure.message })}</p>`;
    }
    if (!this.seats) return "";
    return html`<dl class="seats-left" data-testid="seats-left" aria-label="${t("registration.seatsLabel")}">
      ${MODES[s.format].map((mode) => html`<div data-mode="${mode}">
        <dt>${t(`format.${mode}`)}</dt>
        <dd data-testid="seats-left-${mode}" data-count="${this.seats[mode] ?? ""}">${this.seatsText(this.seats[mode])}</dd>
      </div>`)}
    </dl>`;
  }

  seatsText(left) {
    if (left === null || left === undefined) return t("registration.noLimit");
    return left === 0 ? t("registration.full") : t("registration.seatsLeft", { count: left });
  }

  /** What the person can do now, from signed out to holding a seat. */
  state(s) {
    if (OVER.has(s.status)) return html`<p class="muted">${t("registration.over")}</p>`;
    if (!known() || (me() && this.mine === undefined && !this.closed && !this.failure)) {
      return html`<p class="notice-loading registration-loading" role="status">${t("registration.loading")}</p>`;
    }
    if (!me()) {
      return html`<a class="button button-primary registration-signin" href="${hrefFor({ view: "signin" })}"
        data-testid="registration-signin" data-focus-key="reg-signin">${t("registration.signIn")}</a>`;
    }
    if (this.closed) {
      return html`<div class="invite-only" data-testid="invitation-only">
        <p class="invite-only-title">${t("registration.inviteOnly")}</p>
        <p class="muted">${t("registration.inviteOnlyHint")}</p>
      </div>`;
    }
    if (this.failure) {
      return html`<div class="form-error" role="alert">
        <p>${t("registration.failed", { message: this.failure.message })}</p>
        <button type="button" class="button" data-action="retry" data-focus-key="reg-retry">${t("program.retry")}</button>
      </div>`;
    }
    if (this.mine && ACTIVE.has(this.mine.status)) return this.current(this.mine);
    return html`${this.ended(this.mine)}${this.registerButtons(s)}`;
  }

  /** A note about a registration that no longer holds a place (cancelled, offer expired). */
  ended(mine) {
    if (!mine) return "";
    const key = mine.status === "expired" ? "registration.expired" : "registration.cancelled";
    return html`<p class="registration-note" data-testid="registration-status" data-status="${mine.status}"
      tabindex="-1" data-focus-key="reg-status">${t(key)}</p>`;
  }

  registerButtons(s) {
    return html`<div class="registration-actions">${MODES[s.format].map((mode) => html`<button type="button"
      class="button button-primary" data-action="register" data-mode="${mode}" data-focus-key="reg-${mode}"
      aria-disabled="${String(this.busy)}">${t(`registration.register.${mode}`)}</button>`)}</div>`;
  }

  current(mine) {
    return html`<div class="registration-status" data-testid="registration-status" data-status="${mine.status}"
        tabindex="-1" data-focus-key="reg-status">
      <p class="registration-yours">${t("registration.yours")}:</p>
      <ul class="badges">
        <li class="badge badge-mode-${mine.mode}">${t(`format.${mine.mode}`)}</li>
        <li class="badge badge-reg-${mine.status}" data-testid="registration-badge">${t(`registration.status.${mine.status}`)}</li>
      </ul>
      <p class="registration-detail">${this.detail(mine)}</p>
    </div>
    ${this.confirming ? this.confirmation() : html`<div class="registration-actions">
      ${mine.status === "offered" ? html`<button type="button" class="button button-primary" data-action="accept"
        data-focus-key="reg-accept" aria-disabled="${String(this.busy)}">${t("registration.accept")}</button>` : ""}
      <button type="button" class="button" data-action="cancel" data-focus-key="reg-cancel"
        aria-disabled="${String(this.busy)}">${t("registration.cancel")}</button>
    </div>`}`;
  }

  detail(mine) {
    if (mine.status === "waitlisted") return t("registration.position", { position: ordinal(mine.position) });
    if (mine.status === "offered") {
      return t("registration.offered", { deadline: deadlineIn(mine.offer_expires_at, this._session.viewer) });
    }
    return t("registration.confirmed");
  }

  confirmation() {
    return html`<div class="confirm-box" role="group" aria-labelledby="confirm-cancel" data-testid="confirm-cancel">
      <p id="confirm-cancel" tabindex="-1" data-confirm-question data-focus-key="reg-question">${t("registration.confirmCancel")}</p>
      <div class="registration-actions">
        <button type="button" class="button button-danger" data-action="confirm" data-focus-key="reg-yes"
          aria-disabled="${String(this.busy)}">${t("registration.confirmYes")}</button>
        <button type="button" class="button" data-action="keep" data-focus-key="reg-no">${t("registration.confirmNo")}</button>
      </div>
    </div>`;
  }
}

customElements.define("pv-registration", PvRegistration);
