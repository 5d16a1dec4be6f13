// <pv-invite>: the page a mailed invitation opens (`/?invite=TOKEN`, shown as
// `view=invite&invite=TOKEN`). It shows the closed session and its time (in the viewer's zone
// and in the host city's), then the steps: signed out, sign in or create an account (the
// forms open over the page and come back here); then accept; then register (the session
// page's own registration panel) and go to the session. An invitation that expired, was used
// by another account, was revoked, or a link that names none, each says so.

import { account, known, me, refresh as refreshAccount } from "../account.js";
import { getJSON, paths, postJSON } from "../api.js";
import { prefill } from "../forms.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { intervalIn, invitePaths, isMasked, momentOn } from "../invitations.js";
import { current, hrefFor, viewerZone } from "../state.js";

/** The invitation's states in which it was used: by the signed-in person, or by someone else. */
const USED = new Set(["accepted", "registered"]);

class PvInvite extends HTMLElement {
  connectedCallback() {
    if (this.registration) return;
    this.key = null; // the token and person the preview below was asked for
    this.preview = null;
    this.failure = null;
    this.session = null; // the session's page data, once the invitation is mine
    this.busy = false;
    this.problem = null;
    this.registration = document.createElement("pv-registration");
    this.innerHTML = `<div class="invite-body"></div>
      <p class="visually-hidden" aria-live="polite" data-announce></p>`;
    this.main = this.querySelector(".invite-body");
    this.addEventListener("click", (event) => this.onClick(event));
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  /** Shown, or the URL or the person changed: ask again for another token or person. */
  update({ opened = false } = {}) {
    const token = current().invite;
    const person = me();
    const key = known() && token ? `${token}|${person ? person.id : "-"}` : null;
    if (key && key !== this.key) {
      this.load(key, token, opened);
      return;
    }
    this.draw();
    if (opened) this.focusTitle();
  }

  async load(key, token, focus) {
    Object.assign(this, { key, preview: null, failure: null, problem: null });
    this.draw();
    try {
      const found = await getJSON(invitePaths.preview(token));
      if (key !== this.key) return;
      this.preview = found;
      if (found.accepted_by_me) await this.loadSession(key);
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
    }
    if (key !== this.key) return;
    this.draw();
    if (focus) this.focusTitle();
  }

  /** The session as its own page has it: what the registration panel needs. */
  async loadSession(key) {
    const { id, forum } = this.preview.session;
    const query = { tz: viewerZone(), lang: lang() };
    const found = await getJSON(paths.session(forum, id), query).catch(() => null);
    if (key === this.key) this.session = found;
  }

  onClick(event) {
    if (event.target.closest("[data-retry]")) {
      this.key = null;
      this.update();
      return;
    }
    if (event.target.closest("[data-accept]")) {
      this.accept();
      return;
    }
    // The sign-in and sign-up forms start with the invited address, when it is known here.
    const form = event.target.closest("[data-prefill]");
    if (form && this.preview && !isMasked(this.preview.email)) {
      prefill(form.dataset.prefill, { email: this.preview.email });
    }
  }

  async accept() {
    if (this.busy) return;
    const key = this.key;
    this.busy = true;
    this.problem = null;
    this.draw();
    try {
      await postJSON(invitePaths.accept(), { token: current().invite });
      if (key !== this.key) return;
      this.busy = false;
      await this.load(key, current().invite, false); // mine now: the registration comes next
      this.announce(t("invite.acceptedNow"));
      this.querySelector("[data-step-title]")?.focus();
    } catch (error) {
      if (key !== this.key) return;
      this.busy = false;
      if (error.status === 401) {
        refreshAccount(); // signed out meanwhile
      } else if (error.status === 409 || error.status === 422) {
        // Used, revoked or expired meanwhile: the invitation's own state says which.
        this.key = null;
        this.update();
      } else {
        this.problem = error.message;
        this.draw();
        this.querySelector("[data-problem]")?.focus();
      }
    }
  }

  announce(text) {
    const box = this.querySelector("[data-announce]");
    if (box) box.textContent = text;
  }

  focusTitle() {
    this.querySelector("#invite-title")?.focus();
  }

  draw() {
    const title = this.preview ? this.titleOf(this.preview.session) : "";
    document.title = `${t("invite.title")} — ${title || t("app.name")}`;
    const active = document.activeElement;
    const focusInPanel = this.registration.contains(active) ? active : null;
    render(this.main, html`<section class="wrap invite-page" aria-labelledby="invite-title" data-testid="invite-page">
      <div class="account-card invite-card">
        <h2 id="invite-title" tabindex="-1" data-focus-key="invite-title">${t("invite.title")}</h2>
        ${this.body()}
      </div>
    </section>`);
    const slot = this.querySelector("[data-registration-slot]");
    if (slot && this.session) {
      slot.replaceWith(this.registration);
      this.registration.session = this.session;
      if (focusInPanel && this.registration.contains(focusInPanel)) focusInPanel.focus();
    }
  }

  body() {
    const loading = html`<p class="notice notice-loading" role="status">${t("invite.loading")}</p>`;
    if (!known() || (!this.preview && !this.failure)) return loading;
    if (this.failure?.status === 404) {
      return html`<div class="notice notice-error" role="alert" data-testid="invite-wrong">
        <p><strong>${t("invite.wrong")}</strong></p>
        <p>${t("invite.wrongHint")}</p>
      </div>`;
    }
    if (this.failure) {
      return html`<div class="notice notice-error" role="alert">
        <p>${t("invite.error", { message: this.failure.message })}</p>
        <button type="button" class="button" data-retry data-focus-key="invite-retry">${t("program.retry")}</button>
      </div>`;
    }
    return html`${this.sessionFacts(this.preview.session)}${this.step(this.preview)}`;
  }

  titleOf(session) {
    return (lang() === "ru" ? session.title_ru : session.title_en) || session.title_en || session.title_ru;
  }

  /** The session and its time: in the viewer's zone, and in the host city's. */
  sessionFacts(s) {
    const zone = viewerZone();
    const city = (lang() === "ru" ? s.host_city_ru : s.host_city_en) || s.host_city_en;
    return html`<div class="invite-session" data-testid="invite-session">
      <p class="invite-kicker"><span class="badge badge-closed">${t("invite.closed")}</span></p>
      <h3 class="invite-session-title" data-testid="invite-session-title">${this.titleOf(s)}</h3>
      <dl class="invite-times">
        <div data-testid="invite-time-viewer">
          <dt>${t("invite.yourTime", { zone })}</dt>
          <dd><time datetime="${s.starts_at}">${intervalIn(s.starts_at, s.ends_at, zone)}</time></dd>
        </div>
        <div data-testid="invite-time-host">
          <dt>${city ? t("invite.hostTime", { city }) : t("invite.hostTimeNoCity")}</dt>
          <dd><time datetime="${s.starts_at}">${intervalIn(s.starts_at, s.ends_at, s.host_tz)}</time></dd>
        </div>
      </dl>
    </div>`;
  }

  /** What the person can do with the invitation now. */
  step(preview) {
    const testid = `invite-${preview.state}`;
    if (preview.state === "revoked") {
      return html`<div class="notice notice-error" role="status" data-testid="${testid}">
        <p><strong>${t("invite.revoked")}</strong></p><p>${t("invite.askAgain")}</p></div>`;
    }
    if (USED.has(preview.state) && preview.accepted_by_me) return this.mine();
    if (USED.has(preview.state)) {
      return html`<div class="notice" role="status" data-testid="invite-used">
        <p><strong>${t("invite.used")}</strong></p>
        ${me() ? html`<p>${t("invite.usedSignedIn", { email: me().email })}</p>`
          : html`<p>${t("invite.usedSignIn")}</p>
            <p class="actions"><a class="button button-primary" href="${hrefFor({ view: "signin" })}"
              data-focus-key="invite-signin" data-testid="invite-signin">${t("account.signIn")}</a></p>`}
      </div>`;
    }
    if (preview.state === "expired") {
      return html`<div class="notice notice-error" role="status" data-testid="${testid}">
        <p><strong>${t("invite.expired", { when: momentOn(preview.expires_at, viewerZone()) })}</strong></p>
        <p>${t("invite.askAgain")}</p></div>`;
    }
    return me() ? this.acceptStep(preview) : this.signInStep(preview);
  }

  signInStep(preview) {
    return html`<div class="invite-step" data-testid="invite-signed-out">
      <p>${t("invite.forEmail", { email: preview.email })}</p>
      <p class="muted">${t("invite.until", { when: momentOn(preview.expires_at, viewerZone()) })}</p>
      <p>${t("invite.signInFirst")}</p>
      <p class="actions invite-actions">
        <a class="button button-primary" href="${hrefFor({ view: "signup" })}" data-prefill="signup"
          data-focus-key="invite-signup" data-testid="invite-signup">${t("invite.signUp")}</a>
        <a class="button" href="${hrefFor({ view: "signin" })}" data-prefill="signin"
          data-focus-key="invite-signin" data-testid="invite-signin">${t("account.signIn")}</a>
      </p>
    </div>`;
  }

  acceptStep(preview) {
    const other = isMasked(preview.email);
    return html`<div class="invite-step" data-testid="invite-accept-step">
      ${other
        ? html`<p class="confirm-box" data-testid="invite-other-account">${t("invite.otherAccount", { invited: preview.email, email: me().email })}</p>`
        : html`<p>${t("invite.forYou", { email: preview.email })}</p>`}
      <p class="muted">${t("invite.until", { when: momentOn(preview.expires_at, viewerZone()) })}</p>
      <p class="actions invite-actions">
        <button type="button" class="button button-primary" data-accept data-focus-key="invite-accept"
          data-testid="invite-accept" aria-disabled="${String(this.busy)}">${this.busy ? t("invite.accepting") : t("invite.accept")}</button>
      </p>
      ${this.problem ? html`<p class="form-error" role="alert" tabindex="-1" data-problem
        data-focus-key="invite-problem">${t("invite.failed", { message: this.problem })}</p>` : ""}
    </div>`;
  }

  /** Accepted by me: register (the session page's own panel), then go to the session. */
  mine() {
    const { id, forum } = this.preview.session;
    const link = hrefFor({ view: null, invite: null, forum, session: String(id), marathon: null });
    return html`<div class="invite-step" data-testid="invite-mine">
      <p class="invite-done" tabindex="-1" data-step-title data-focus-key="invite-done">${t("invite.accepted")}</p>
      ${this.session ? html`<div data-registration-slot></div>`
        : html`<p class="muted">${t("invite.registerOnPage")}</p>`}
      <p class="actions invite-actions">
        <a class="button" href="${link}" data-focus-key="invite-session-link" data-testid="invite-session-link">${t("invite.toSession")}</a>
      </p>
    </div>`;
  }
}

customElements.define("pv-invite", PvInvite);
