// <pv-stand-team stand="slug">: on the exhibitor desk, a stand's own team, for its staff: who
// is on it (name, email, the zone they work in, and whether they have yet to choose a password
// from their invitation); a form that adds a colleague by email, inviting by mail (in the
// language chosen) whoever has no account yet; and, after asking, taking somebody off the team,
// oneself included (the stand then leaves this person's desk). Somebody must stay: the server
// refuses to remove the last member (409 naming `user`), and the row says so.
//
// The list, the status line and the form are drawn apart, so that what is being typed is never
// redrawn under the person's fingers. The dashboard makes a new element for another stand.

import { me, refresh as refreshAccount } from "../account.js";
import { deleteJSON, getJSON, paths, postJSON } from "../api.js";
import { field, refusalText, setBusy, showErrors, valuesOf } from "../forms.js";
import { html, render } from "../html.js";
import { lang, LANGS, t } from "../i18n.js";
import { refreshStands, staffedStands } from "../my-stands.js";
import { nameOf } from "../showroom-parts.js";
import { viewerZone } from "../state.js";
import { resolveZone, zoneNames } from "../time.js";

const FIELDS = ["email", "name", "language", "tz"];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

class PvStandTeam extends HTMLElement {
  connectedCallback() {
    if (this.slug) return; // moved in the page, not new
    this.slug = this.getAttribute("stand");
    this.team = null; // [{user: {id, name, email, pending}, tz}] once loaded
    this.failure = null;
    this.busy = false;
    this.confirming = null; // the user id whose removal is being asked about
    this.removing = null; // the user id whose removal is on its way
    this.rowProblem = null; // {id, text}: a removal refused
    this.zoneGuess = ""; // the zone the form was given, replaced while nobody changed it
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.drawFrame();
    this.load();
  }

  standName() {
    const stand = staffedStands().find((s) => s.slug === this.slug);
    return stand ? nameOf(stand) : this.slug;
  }

  /** The zone a colleague is added in unless changed: the adder's own on this stand. */
  ownZone() {
    const mine = this.team?.find((member) => member.user.id === me()?.id);
    return mine?.tz || me()?.tz || viewerZone();
  }

  // --- loading -------------------------------------------------------------------------------

  async load() {
    const slug = this.slug;
    this.failure = null;
    try {
      const answer = await getJSON(paths.standStaff(slug));
      if (slug !== this.slug) return;
      this.team = answer.staff;
    } catch (error) {
      if (error.status === 401) refreshAccount();
      if (error.status === 403) refreshStands(); // taken off the team by a colleague
      this.failure = error;
    }
    this.paintList();
    this.guessZone();
  }

  guessZone() {
    const input = this.querySelector("#team-tz");
    if (!input || input.value !== this.zoneGuess) return; // the person chose one
    this.zoneGuess = this.ownZone();
    input.value = this.zoneGuess;
  }

  // --- drawing -------------------------------------------------------------------------------

  drawFrame() {
    render(this, html`<section class="stand-box dash-box team-box" aria-labelledby="team-title" data-testid="team">
      <h3 id="team-title" tabindex="-1">${t("team.title")}</h3>
      <p class="team-intro">${t("team.intro")}</p>
      <div data-part="list"></div>
      <p class="roles-said" role="status" data-team-said data-testid="team-said"></p>
      ${this.form()}
    </section>`);
    this.querySelector("#team-language").value = lang();
    this.zoneGuess = this.ownZone();
    this.querySelector("#team-tz").value = this.zoneGuess;
    this.paintList();
  }

  form() {
    const option = (value, label) => html`<option value="${value}">${label}</option>`;
    return html`<form class="team-form" novalidate data-team-form data-testid="team-form" aria-labelledby="team-form-title">
      <h4 id="team-form-title">${t("team.add")}</h4>
      <div class="roles-form-grid">
        ${field("team", "email", t("team.email"), { type: "email", attrs: html`autocomplete="off" spellcheck="false" data-testid="team-email"` })}
        ${field("team", "name", t("team.name"), { hint: t("team.nameHint"), attrs: html`autocomplete="off" maxlength="120" data-testid="team-name"` })}
        <div class="form-field" data-field="language">
          <label for="team-language">${t("team.language")}</label>
          <select id="team-language" name="language" data-focus-key="team-language" data-testid="team-language"
            aria-describedby="team-language-hint team-language-error">${LANGS.map((code) => option(code, t(`lang.${code}`)))}</select>
          <p class="form-hint" id="team-language-hint">${t("team.languageHint")}</p>
          <p class="field-error" id="team-language-error" data-error-for="language" hidden></p>
        </div>
        ${field("team", "tz", t("team.zone"), {
          hint: t("team.zoneHint"),
          attrs: html`list="team-tz-list" autocomplete="off" spellcheck="false" autocapitalize="off" data-testid="team-tz"`,
        })}
        <datalist id="team-tz-list">${zoneNames().map((name) => html`<option value="${name}"></option>`)}</datalist>
      </div>
      <p class="form-error" role="alert" data-form-problem data-testid="team-error" hidden></p>
      <button type="submit" class="button button-primary" data-focus-key="team-submit" data-testid="team-submit">${t("team.submit")}</button>
    </form>`;
  }

  paintList() {
    const box = this.querySelector('[data-part="list"]');
    if (box) render(box, this.list());
  }

  list() {
    if (this.failure) {
      const text = this.failure.status === 403 ? t("team.forbidden") : t("team.loadFailed", { message: this.failure.message });
      return html`<div class="notice notice-error" role="alert" data-testid="team-load-error"><p>${text}</p>
        ${this.failure.status === 403 ? "" : html`<button type="button" class="button" data-retry data-focus-key="team-retry">${t("program.retry")}</button>`}</div>`;
    }
    if (!this.team) return html`<p class="notice notice-loading" role="status">${t("team.loading")}</p>`;
    if (!this.team.length) return html`<p class="room-empty" data-testid="team-empty">${t("team.empty")}</p>`;
    return html`<ul class="roles-grants team-list" data-testid="team-list">${this.team.map((member) => this.row(member))}</ul>`;
  }

  row({ user, tz }) {
    const self = user.id === me()?.id;
    const problem = this.rowProblem?.id === user.id ? this.rowProblem.text : null;
    return html`<li class="roles-grant" data-testid="team-member" data-id="${user.id}" data-email="${user.email}"
        data-pending="${String(user.pending)}">
      <div class="roles-grant-who">
        <span class="roles-grant-name" data-testid="team-member-name">${user.name}</span>
        ${self ? html`<span class="tag" data-testid="team-you">${t("team.you")}</span>` : ""}
        <a class="roles-grant-email" href="mailto:${user.email}">${user.email}</a>
        <span class="muted" data-testid="team-member-zone">${t("team.zoneOf", { zone: tz })}</span>
        ${user.pending ? html`<span class="tag tag-pending" data-testid="team-pending">${t("team.pending")}</span>` : ""}
      </div>
      <div class="roles-grant-actions">${this.actions(user, self)}</div>
      ${problem ? html`<p class="form-error roles-grant-problem" role="alert" data-testid="team-problem">${problem}</p>` : ""}
    </li>`;
  }

  actions(user, self) {
    if (this.confirming !== user.id && this.removing !== user.id) {
      // The visible word first in the name (what a voice user says), then who it is about.
      const label = self ? t("team.leave") : t("team.removeLabel", { name: user.name });
      return html`<button type="button" class="button" data-remove="${user.id}" data-focus-key="team-remove-${user.id}"
        data-testid="team-remove" aria-label="${label}">${t(self ? "team.leave" : "team.remove")}</button>`;
    }
    const question = self ? t("team.confirmLeave", { stand: this.standName() }) : t("team.confirm", { name: user.name });
    const busy = this.removing === user.id;
    return html`<span class="roles-confirm-question" id="team-confirm-${user.id}">${question}</span>
      <button type="button" class="button button-danger" data-confirm="${user.id}" data-focus-key="team-confirm-${user.id}"
        data-testid="team-confirm" aria-describedby="team-confirm-${user.id}" aria-disabled="${String(busy)}">${t(busy ? "team.removing" : self ? "team.confirmLeaveYes" : "team.confirmYes")}</button>
      <button type="button" class="button button-quiet" data-keep data-focus-key="team-keep-${user.id}"
        data-testid="team-keep" aria-disabled="${String(busy)}">${t("team.confirmNo")}</button>`;
  }

  say(text) {
    const line = this.querySelector("[data-team-said]");
    if (line) line.textContent = text;
  }

  // --- adding --------------------------------------------------------------------------------

  check(values) {
    const errors = {};
    if (!values.email) errors.email = t("team.check.email");
    else if (!EMAIL.test(values.email)) errors.email = t("team.error.email.invalid");
    if (!resolveZone(values.tz)) errors.tz = t("team.error.tz.invalid");
    return errors;
  }

  async onSubmit(event) {
    const form = event.target.closest("form[data-team-form]");
    if (!form) return;
    event.preventDefault();
    if (this.busy) return;
    const values = valuesOf(form);
    this.say("");
    this.showProblem(form, null);
    const errors = this.check(values);
    if (Object.keys(errors).length) {
      showErrors(form, errors)?.focus();
      return;
    }
    showErrors(form, {});
    const body = { email: values.email, name: values.name, language: values.language, tz: resolveZone(values.tz) };
    this.busy = true;
    setBusy(form, true, t("team.busy"));
    try {
      const answer = await postJSON(paths.standStaff(this.slug), body);
      this.added(answer.staff, body.email, form);
    } catch (error) {
      this.refused(error, form);
    } finally {
      this.busy = false;
      setBusy(form, false, t("team.submit"));
    }
  }

  added(team, email, form) {
    this.team = team;
    this.rowProblem = null;
    this.paintList();
    const member = team.find((m) => m.user.email === email.toLowerCase());
    this.say(member?.user.pending
      ? t("team.invited", { email: member.user.email })
      : t("team.added", { name: member ? member.user.name : email }));
    form.elements.email.value = "";
    form.elements.name.value = "";
    form.elements.email.focus();
  }

  refused(error, form) {
    if (error.status === 401) refreshAccount();
    if (error.status === 403) refreshStands();
    const text = refusalText(error, "team");
    const onField = FIELDS.includes(error.field);
    this.showProblem(form, onField ? null : text);
    (showErrors(form, onField ? { [error.field]: text } : {}) || form.querySelector('[type="submit"]'))?.focus();
  }

  showProblem(form, text) {
    const box = form.querySelector("[data-form-problem]");
    box.textContent = text || "";
    box.hidden = !text;
  }

  // --- removing ------------------------------------------------------------------------------

  onClick(event) {
    const button = event.target.closest("button");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    if (button.dataset.remove) this.ask(Number(button.dataset.remove));
    else if (button.hasAttribute("data-keep")) this.keep();
    else if (button.dataset.confirm) this.remove(Number(button.dataset.confirm));
    else if (button.hasAttribute("data-retry")) {
      this.team = null;
      this.paintList();
      this.load();
    }
  }

  ask(id) {
    this.confirming = id;
    this.rowProblem = null;
    this.paintList();
    this.querySelector(`[data-confirm="${id}"]`)?.focus();
  }

  keep() {
    const id = this.confirming;
    this.confirming = null;
    this.paintList();
    this.querySelector(`[data-remove="${id}"]`)?.focus();
  }

  async remove(id) {
    const member = this.team?.find((m) => m.user.id === id);
    if (!member || this.removing) return;
    const self = id === me()?.id;
    this.removing = id;
    this.paintList();
    try {
      await deleteJSON(paths.standMember(this.slug, id));
    } catch (error) {
      this.removing = null;
      this.confirming = null;
      this.notRemoved(error, member);
      return;
    }
    this.removing = null;
    this.confirming = null;
    this.team = this.team.filter((m) => m.user.id !== id);
    this.paintList();
    this.say(self ? t("team.left", { stand: this.standName() }) : t("team.removed", { name: member.user.name }));
    this.querySelector("#team-title")?.focus();
    if (self) refreshStands(); // the stand leaves this desk
  }

  notRemoved(error, member) {
    const id = member.user.id;
    if (error.status === 401) refreshAccount();
    if (error.status === 404) {
      this.team = this.team.filter((m) => m.user.id !== id); // gone already
      this.paintList();
      this.say(t("team.gone", { name: member.user.name }));
      this.querySelector("#team-title")?.focus();
      return;
    }
    if (error.status === 403) refreshStands();
    this.rowProblem = { id, text: refusalText(error, "team") };
    this.paintList();
    this.querySelector(`[data-remove="${id}"]`)?.focus();
  }
}

customElements.define("pv-stand-team", PvStandTeam);
