// <pv-invitations>: the invitations to a closed session, on its attendance page, for the
// organisers of its forum: invite an address (a name to greet them by, the mail's language),
// the list with where each invitation stands, re-send one (a fresh link: the old one stops
// working) and revoke one (after asking: a guest who accepted it loses access at once).
//
// <pv-attendance> keeps one of these and moves it into every rendering of its page, so what
// the panel holds (typed values, where focus is) survives a redraw around it.

import { me } from "../account.js";
import { getJSON, postJSON } from "../api.js";
import { restore, showErrors, valuesOf, withoutField } from "../forms.js";
import { html, render } from "../html.js";
import { t } from "../i18n.js";
import { EMAIL, invitePaths, stateBadge } from "../invitations.js";
import { viewerZone } from "../state.js";
import { dayMomentIn } from "../time.js";

const FIELDS = ["email", "name", "language"];
const RESENDABLE = new Set(["invited", "expired"]);

class PvInvitations extends HTMLElement {
  connectedCallback() {
    if (this.body) return; // moved into a new rendering of the attendance page: keep it all
    this._session = null;
    this._forum = null;
    this.key = null;
    this.data = null;
    this.failure = null;
    this.busy = false; // a request of this panel is on its way
    this.errors = {};
    this.problem = null; // the invite form's refusal, in the API's words
    this.rowProblem = null; // {id, message}: a re-send or revoke that failed
    this.confirming = null; // the id of the invitation "revoke?" is asked about
    this.innerHTML = `<div class="invitations-body"></div>
      <p class="visually-hidden" aria-live="polite" data-announce></p>`;
    this.body = this.querySelector(".invitations-body");
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => this.onClick(event));
  }

  set forum(value) {
    this._forum = value;
  }

  /** The session shown (as the attendance page has it): a closed one gets the panel. */
  set session(value) {
    this._session = value;
    this.refresh();
  }

  get session() {
    return this._session;
  }

  /** Only for a closed session's organisers (the server decides anyway). */
  organises() {
    const forum = this._forum?.slug;
    return (me()?.roles || []).some((grant) => grant.role === "organiser" && grant.forum_slug === forum);
  }

  refresh() {
    const s = this._session;
    const shown = Boolean(s && s.access === "invite_only" && this.organises());
    this.hidden = !shown;
    if (!shown) return;
    const key = `${s.id}|${me().id}`;
    if (key !== this.key) {
      this.key = key;
      this.load(key);
      return;
    }
    this.draw();
  }

  async load(key) {
    Object.assign(this, { data: null, failure: null, confirming: null, rowProblem: null });
    this.draw();
    try {
      const data = await getJSON(invitePaths.list(this._session.id));
      if (key !== this.key) return;
      this.data = data;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
    }
    this.draw();
  }

  announce(text) {
    this.querySelector("[data-announce]").textContent = text;
  }

  draw() {
    if (!this._session) return;
    const before = this.querySelector("form[data-invite-form]");
    const values = before ? valuesOf(before) : {};
    render(this.body, html`<section class="invitations" aria-labelledby="invitations-title" data-testid="invitations">
      <h3 id="invitations-title" tabindex="-1" data-focus-key="invitations-title">${t("invitations.title")}</h3>
      <p class="muted">${t("invitations.intro")}</p>
      ${this.form()}
      ${this.list()}
    </section>`);
    const form = this.querySelector("form[data-invite-form]");
    restore(form, values);
    showErrors(form, this.errors);
  }

  form() {
    const field = (name, label, input) => html`<div class="form-field" data-field="${name}">
      <label for="invite-${name}">${label}</label>
      ${input}
      <p class="field-error" id="invite-${name}-error" data-error-for="${name}" hidden></p>
    </div>`;
    return html`<form class="invite-form" novalidate data-invite-form data-testid="invite-form" aria-busy="${String(this.busy)}">
      ${field("email", t("invitations.email"), html`<input id="invite-email" name="email" type="email" required
        autocomplete="off" spellcheck="false" autocapitalize="off" data-focus-key="invite-email"
        aria-describedby="invite-email-error">`)}
      ${field("name", t("invitations.name"), html`<input id="invite-name" name="name" type="text" maxlength="120"
        autocomplete="off" data-focus-key="invite-name" aria-describedby="invite-name-error">`)}
      ${field("language", t("invitations.language"), html`<select id="invite-language" name="language"
        data-focus-key="invite-language" aria-describedby="invite-language-error">
          <option value="">${t("invitations.languageAuto")}</option>
          <option value="ru" lang="ru">${t("lang.ru")}</option>
          <option value="en" lang="en">${t("lang.en")}</option>
        </select>`)}
      ${this.problem ? html`<p class="form-error" role="alert" data-testid="invite-form-error">${t("invitations.failed", { message: this.problem })}</p>` : ""}
      <button type="submit" class="button button-primary" data-focus-key="invite-submit"
        aria-disabled="${String(this.busy)}">${t("invitations.send")}</button>
    </form>`;
  }

  list() {
    if (this.failure) {
      return html`<div class="notice notice-error" role="alert">
        <p>${t("invitations.error", { message: this.failure.message })}</p>
        <button type="button" class="button" data-retry data-focus-key="invites-retry">${t("program.retry")}</button>
      </div>`;
    }
    if (!this.data) return html`<p class="notice notice-loading" role="status">${t("invitations.loading")}</p>`;
    const invites = this.data.invites;
    if (invites.length === 0) {
      return html`<div class="empty-state" data-testid="invites-empty"><p>${t("invitations.empty")}</p></div>`;
    }
    return html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="invites-caption">
      <table class="attendance-table invites-table" data-testid="invites-table">
        <caption id="invites-caption">${t("invitations.caption", { count: invites.length })}</caption>
        <thead><tr>
          <th scope="col">${t("invitations.email")}</th>
          <th scope="col">${t("invitations.stateColumn")}</th>
          <th scope="col">${t("invitations.sentAt")}</th>
          <th scope="col">${t("invitations.acceptedBy")}</th>
          <th scope="col"><span class="visually-hidden">${t("invitations.actions")}</span></th>
        </tr></thead>
        <tbody>${invites.map((invite) => this.row(invite))}</tbody>
      </table>
    </div>`;
  }

  row(invite) {
    const zone = viewerZone();
    return html`<tr data-testid="invite-row" data-email="${invite.email}" data-state="${invite.state}">
      <th scope="row">
        <span class="invite-email">${invite.email}</span>
        ${invite.name ? html`<span class="invite-name muted">${invite.name}</span>` : ""}
        <span class="invite-language muted">${t(`lang.${invite.language}`)}</span>
      </th>
      <td>${stateBadge(invite.state)}</td>
      <td>${invite.sent_at ? html`<time datetime="${invite.sent_at}">${dayMomentIn(invite.sent_at, zone)}</time>`
        : html`<span class="muted">${t("invitations.notSent")}</span>`}</td>
      <td>${invite.accepted_by ? html`${invite.accepted_by.name}
        <span class="invite-when muted">${dayMomentIn(invite.accepted_at, zone)}</span>` : html`<span class="muted">—</span>`}</td>
      <td class="invite-row-actions">${this.actions(invite)}</td>
    </tr>`;
  }

  actions(invite) {
    const label = (key) => t(key, { email: invite.email });
    if (this.confirming === invite.id) {
      return html`<div class="confirm-box" role="group" aria-labelledby="revoke-question-${invite.id}" data-testid="revoke-confirm">
        <p id="revoke-question-${invite.id}" tabindex="-1" data-confirm-question data-focus-key="revoke-question-${invite.id}">${
          t(invite.accepted_by ? "invitations.revokeAcceptedQuestion" : "invitations.revokeQuestion", { email: invite.email })}</p>
        <div class="invite-buttons">
          <button type="button" class="button button-danger" data-revoke-yes="${invite.id}" data-focus-key="revoke-yes-${invite.id}"
            aria-disabled="${String(this.busy)}" data-testid="revoke-yes">${t("invitations.revokeYes")}</button>
          <button type="button" class="button" data-revoke-no="${invite.id}" data-focus-key="revoke-no-${invite.id}">${t("invitations.revokeNo")}</button>
        </div>
      </div>`;
    }
    const buttons = [];
    if (RESENDABLE.has(invite.state)) {
      buttons.push(html`<button type="button" class="button" data-resend="${invite.id}" data-focus-key="resend-${invite.id}"
        aria-disabled="${String(this.busy)}" aria-label="${label("invitations.resendLabel")}" data-testid="invite-resend">${t("invitations.resend")}</button>`);
    }
    if (invite.state !== "revoked") {
      buttons.push(html`<button type="button" class="button" data-revoke="${invite.id}" data-focus-key="revoke-${invite.id}"
        aria-disabled="${String(this.busy)}" aria-label="${label("invitations.revokeLabel")}" data-testid="invite-revoke">${t("invitations.revoke")}</button>`);
    }
    const problem = this.rowProblem?.id === invite.id
      ? html`<p class="form-error" role="alert">${t("invitations.failed", { message: this.rowProblem.message })}</p>` : "";
    return html`<div class="invite-buttons">${buttons}</div>${problem}`;
  }

  onClick(event) {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-retry")) {
      this.key = null;
      this.refresh();
      return;
    }
    if (this.busy) return;
    const id = (name) => Number(target.dataset[name]);
    if (target.dataset.resend) this.resend(id("resend"));
    else if (target.dataset.revoke) this.ask(id("revoke"));
    else if (target.dataset.revokeNo) this.ask(null, id("revokeNo"));
    else if (target.dataset.revokeYes) this.revoke(id("revokeYes"));
  }

  /** Open the "revoke?" question (focus on it), or close it (focus back on Revoke). */
  ask(id, closed = null) {
    this.confirming = id;
    this.rowProblem = null;
    this.draw();
    const selector = id ? `[data-focus-key="revoke-question-${id}"]` : `[data-focus-key="revoke-${closed}"]`;
    this.querySelector(selector)?.focus();
  }

  invite(id) {
    return this.data?.invites.find((row) => row.id === id);
  }

  async resend(id) {
    const row = this.invite(id);
    await this.act(id, () => postJSON(invitePaths.resend(id)), () => t("invitations.resent", { email: row.email }));
  }

  async revoke(id) {
    const row = this.invite(id);
    this.confirming = null;
    await this.act(id, () => postJSON(invitePaths.revoke(id)), () => t("invitations.revoked", { email: row.email }));
  }

  /** Run one request about one invitation; the answer replaces its row. */
  async act(id, request, said) {
    const key = this.key;
    this.busy = true;
    this.rowProblem = null;
    this.draw();
    try {
      const answer = await request();
      if (key !== this.key) return;
      this.replace(answer);
      this.announce(said());
    } catch (error) {
      if (key !== this.key) return;
      this.rowProblem = { id, message: error.message };
    } finally {
      this.busy = false;
    }
    this.draw();
    const back = this.querySelector(`[data-focus-key="resend-${id}"]`)
      || this.querySelector(`[data-focus-key="revoke-${id}"]`) || this.querySelector("#invitations-title");
    back.focus();
  }

  replace(answer) {
    const { token, url, ...row } = answer;
    const others = (this.data?.invites || []).filter((invite) => invite.id !== row.id);
    this.data = { invites: [row, ...others].sort((a, b) => (b.created_at.localeCompare(a.created_at) || b.id - a.id)) };
  }

  async onSubmit(event) {
    event.preventDefault();
    if (this.busy) return;
    const form = event.target;
    const values = valuesOf(form);
    this.errors = EMAIL.test(values.email) ? {} : { email: t("invitations.emailInvalid") };
    this.problem = null;
    const invalid = showErrors(form, this.errors);
    if (invalid) {
      invalid.focus();
      return;
    }
    await this.send(form, values);
  }

  async send(form, values) {
    const key = this.key;
    const body = { email: values.email, name: values.name };
    if (values.language) body.language = values.language;
    this.busy = true;
    this.draw();
    try {
      const answer = await postJSON(invitePaths.list(this._session.id), body);
      if (key !== this.key) return;
      this.busy = false;
      this.replace(answer);
      this.draw();
      const fresh = this.querySelector("form[data-invite-form]");
      fresh.reset();
      fresh.elements.namedItem("email").focus();
      this.announce(t("invitations.sent", { email: answer.email }));
    } catch (error) {
      if (key !== this.key) return;
      this.busy = false;
      this.refused(error);
    }
  }

  /** The API's refusal next to the field it names (an address invited already, say so). */
  refused(error) {
    if (error.code === "conflict" && error.field === "email") {
      this.errors = { email: t("invitations.alreadyInvited") };
    } else if (FIELDS.includes(error.field)) {
      this.errors = { [error.field]: withoutField(error.message, error.field) };
    } else {
      this.errors = {};
      this.problem = error.message;
    }
    this.draw();
    const form = this.querySelector("form[data-invite-form]");
    (showErrors(form, this.errors) || form.querySelector('[type="submit"]')).focus();
  }
}

customElements.define("pv-invitations", PvInvitations);
