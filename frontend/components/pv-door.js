// <pv-door>: door check-in (`view=door`) for door staff and organisers. Pick the door (one of
// the forum's venues with a door: halls and off-site venues, not online channels), then scan
// or paste badge codes one after another: each answer is shown big — green "Welcome", amber
// "Already checked in at …", red for a badge to turn away — and the code field is emptied
// and focused again at once, so the queue keeps moving while the answer is on its way.
//
// The page is built once; the form and the answer are redrawn separately, so the camera's
// <video> (where the browser can read QR codes) is never thrown away by a redraw.

import { account, known, me, refresh as refreshAccount } from "../account.js";
import { getJSON, paths, postJSON } from "../api.js";
import { restore, valuesOf } from "../forms.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";
import { hrefFor, viewerZone } from "../state.js";
import { canScan, startScanning } from "../scanner.js";
import { dateIn, dayMomentIn, momentIn } from "../time.js";

const DOORLESS = new Set(["channel"]);

function doorsOf(forum) {
  return (forum?.venues || []).filter((venue) => !DOORLESS.has(venue.kind));
}

/** The door this device was last set to for a forum (a door device keeps its door). */
function rememberedDoor(forum) {
  try {
    return localStorage.getItem(`pavilion.door.${forum}`);
  } catch {
    return null; // storage refused (private mode): the first door it is
  }
}

function rememberDoor(forum, door) {
  try {
    localStorage.setItem(`pavilion.door.${forum}`, door);
  } catch {
    // Not remembered: the page still works with the door chosen now.
  }
}

/** What to tell the door about a refused badge, in the page's language. */
function refusal(error) {
  const message = error.message || "";
  if (error.details?.reason === "no_seat") return t("door.noSeat");
  // The API marks a forged badge only by its message ("token: …") or, for a malformed
  // code, by the field; the other 403 is the scanner's own missing permission.
  if (error.status === 403) return message.startsWith("token:") ? t("door.forged") : t("door.notStaff");
  if (error.status === 422 && error.field === "token") return t("door.forged");
  if (error.status === 409) return message.includes("another forum") ? t("door.otherForum") : t("door.revoked");
  return t("door.failed", { message });
}

/** The answer in one big line, after a mark that tells it apart without its colour. */
function head(mark, text) {
  return html`<p class="door-result-head"><span class="door-mark" aria-hidden="true">${mark}</span><span
    data-testid="door-message">${text}</span></p>`;
}

class PvDoor extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.door = null;
    this.result = null; // {kind: "welcome"|"already"|"error"|"busy", admission?, text?}
    this.asked = 0;
    this.who = null; // the person the last answer was shown to
    this.focusPending = false; // the code field is to take focus as soon as it is there
    this.titles = { key: null, byId: new Map() }; // session titles in the page's language
    this.stopCamera = null;
    this.cameraProblem = null;
    this.innerHTML = `<section class="wrap door-page" aria-labelledby="door-title" data-testid="door-page">
        <div data-door-form></div>
        <div class="door-result-region" data-result aria-live="assertive" aria-atomic="true"></div>
        <div class="door-camera" data-camera hidden><video muted playsinline></video></div>
      </section>`;
    this.formBox = this.querySelector("[data-door-form]");
    this.resultBox = this.querySelector("[data-result]");
    this.camera = this.querySelector("[data-camera]");
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("change", (event) => this.onChange(event));
    this.addEventListener("click", (event) => this.onClick(event));
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
    i18n.addEventListener("change", () => this.drawResult());
  }

  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  /** Shown, or the URL or the person changed. */
  update({ opened = false } = {}) {
    if (!this._forum) return;
    document.title = `${t("door.title")} — ${this._forum.name}`;
    const who = me()?.id ?? null;
    if (who !== this.who) {
      // Another person at this device: the last answer was for someone else's eyes.
      this.who = who;
      this.result = null;
    }
    this.chooseDoor();
    this.drawForm();
    this.drawResult();
    this.loadTitles();
    // Opened before the server said who is signed in: the field comes later, and focus with it.
    if (opened) this.focusPending = true;
    if (this.focusPending && this.codeField()) {
      this.focusPending = false;
      this.codeField().focus();
    }
  }

  /** Keep the door chosen if the forum has it, else the remembered one, else the first. */
  chooseDoor() {
    const doors = doorsOf(this._forum).map((venue) => venue.slug);
    if (doors.includes(this.door)) return;
    const remembered = rememberedDoor(this._forum.slug);
    this.door = doors.includes(remembered) ? remembered : doors[0] || null;
  }

  /** The program's titles in the page's language (the check-in answer names sessions in English). */
  async loadTitles() {
    const key = `${this._forum.slug}|${lang()}`;
    if (this.titles.key === key) return;
    this.titles = { key, byId: new Map() };
    try {
      const program = await getJSON(paths.program(this._forum.slug), { lang: lang() });
      if (this.titles.key !== key) return;
      for (const day of program.days) {
        for (const session of day.sessions) this.titles.byId.set(session.id, session.title);
      }
      this.drawResult();
    } catch {
      // Without the program the answer's own titles are shown.
    }
  }

  codeField() {
    return this.querySelector("#door-token");
  }

  onChange(event) {
    if (!event.target.matches("#door-door")) return;
    this.door = event.target.value;
    rememberDoor(this._forum.slug, this.door);
  }

  onClick(event) {
    if (event.target.closest("[data-camera-on]")) this.cameraOn();
    if (event.target.closest("[data-camera-off]")) this.cameraOff();
  }

  onSubmit(event) {
    event.preventDefault();
    const input = this.codeField();
    const token = input.value.trim();
    // Emptied and focused straight away: the next badge can be scanned while this one is checked.
    input.value = "";
    input.focus();
    if (!token) {
      this.show({ kind: "error", text: t("door.codeMissing") });
      return;
    }
    this.check(token);
  }

  async check(token) {
    const ticket = ++this.asked;
    this.show({ kind: "busy" });
    let result;
    try {
      const admission = await postJSON(paths.checkin(), { forum: this._forum.slug, door: this.door, token });
      result = { kind: admission.already ? "already" : "welcome", admission };
    } catch (error) {
      if (error.status === 401) refreshAccount(); // signed out meanwhile: the form turns to "sign in"
      result = { kind: "error", text: refusal(error) };
    }
    if (ticket === this.asked) this.show(result); // a later scan's answer wins
  }

  show(result) {
    this.result = result;
    this.drawResult();
  }

  async cameraOn() {
    if (this.stopCamera) return;
    this.cameraProblem = null;
    this.camera.hidden = false;
    try {
      this.stopCamera = await startScanning(this.camera.querySelector("video"), (code) => this.check(code));
    } catch (error) {
      this.camera.hidden = true;
      this.cameraProblem = t("door.cameraFailed", { message: error.message || error.name });
    }
    this.drawForm();
  }

  cameraOff() {
    this.stopCamera?.();
    this.stopCamera = null;
    this.camera.hidden = true;
    if (!this.hidden) this.drawForm();
  }

  /** Left the page: the camera goes off (a door device should not film the hall meanwhile). */
  pause() {
    if (this.stopCamera) this.cameraOff();
  }

  drawForm() {
    const before = this.formBox.querySelector("form");
    const values = before ? valuesOf(before) : {};
    render(this.formBox, html`<h2 id="door-title" tabindex="-1" data-focus-key="door-title">${t("door.title")}</h2>${this.formBody()}`);
    const form = this.formBox.querySelector("form");
    if (form) restore(form, { ...values, door: this.door || "" });
    this.camera.querySelector("video").setAttribute("aria-label", t("door.camera"));
  }

  formBody() {
    if (!known()) return html`<p class="notice notice-loading" role="status">${t("forum.loading")}</p>`;
    if (!me()) {
      return html`<div class="empty-state" data-testid="door-signin">
        <p>${t("door.signIn")}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="door-signin">${t("account.signIn")}</a>
      </div>`;
    }
    const doors = doorsOf(this._forum);
    if (doors.length === 0) return html`<p class="notice">${t("door.noDoors")}</p>`;
    return html`<p class="door-intro">${t("door.intro")}</p>
      <form class="door-form" novalidate data-testid="door-form" autocomplete="off">
        <div class="form-field">
          <label for="door-door">${t("door.door")}</label>
          <select id="door-door" name="door" data-focus-key="door-door">${doors.map(
            (venue) => html`<option value="${venue.slug}">${venue.name}</option>`,
          )}</select>
        </div>
        <div class="form-field">
          <label for="door-token">${t("door.code")}</label>
          <input id="door-token" name="token" type="text" data-focus-key="door-token" autocomplete="off"
            autocapitalize="off" spellcheck="false" enterkeyhint="go" aria-describedby="door-token-hint">
          <p class="form-hint" id="door-token-hint">${t("door.codeHint")}</p>
        </div>
        <div class="door-buttons">
          <button type="submit" class="button button-primary" data-focus-key="door-submit">${t("door.submit")}</button>
          ${this.cameraButton()}
        </div>
        ${this.cameraProblem ? html`<p class="form-error" role="alert">${this.cameraProblem}</p>` : ""}
      </form>`;
  }

  cameraButton() {
    if (!canScan()) return "";
    return this.stopCamera
      ? html`<button type="button" class="button" data-camera-off data-focus-key="door-camera">${t("door.stopScan")}</button>`
      : html`<button type="button" class="button" data-camera-on data-focus-key="door-camera">${t("door.scan")}</button>`;
  }

  drawResult() {
    if (!this.resultBox) return;
    const result = this.result;
    if (!result || !me()) {
      render(this.resultBox, "");
      return;
    }
    render(this.resultBox, html`<div class="door-result door-result-${result.kind}" data-testid="door-result"
        data-kind="${result.kind}">
      <h3 class="visually-hidden">${t("door.result")}</h3>
      ${this.resultBody(result)}
    </div>`);
  }

  resultBody({ kind, admission, text }) {
    if (kind === "busy") return html`<p class="door-result-head notice-loading">${t("door.busy")}</p>`;
    if (kind === "error") {
      return head("✕", text);
    }
    const zone = viewerZone();
    if (kind === "already") {
      return html`${head("!", t("door.already", { time: this.when(admission.checked_in_at, zone) }))}
        <p class="door-result-name">${t("door.alreadyWho", { name: admission.name })}</p>
        ${this.person(admission)}`;
    }
    return html`${head("✓", t("door.welcome", { name: admission.name }))}
      ${this.person(admission)}
      <p class="door-result-time">${t("door.checkedInAt", { time: this.when(admission.checked_in_at, zone) })}</p>
      ${this.seats(admission.sessions, zone)}`;
  }

  person(admission) {
    return admission.organisation ? html`<p class="door-result-org">${admission.organisation}</p>` : "";
  }

  /** "14:02 CET" today; with the day when it was another day. */
  when(iso, zone) {
    const sameDay = dateIn(Date.parse(iso), zone) === dateIn(Date.now(), zone);
    return sameDay ? momentIn(iso, zone) : dayMomentIn(iso, zone);
  }

  seats(sessions, zone) {
    if (sessions.length === 0) return html`<p class="door-result-seats">${t("door.noSessionsHere")}</p>`;
    return html`<div class="door-result-seats">
      <h4>${t("door.sessionsHere")}</h4>
      <ul data-testid="door-sessions">${sessions.map((s) => html`<li><time datetime="${s.starts_at}">${
        dayMomentIn(s.starts_at, zone)}</time> ${this.titles.byId.get(s.session) || s.title}</li>`)}</ul>
    </div>`;
  }
}

customElements.define("pv-door", PvDoor);
