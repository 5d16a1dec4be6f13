// <pv-roles>: the people and roles of the forum in the URL (`view=roles`), for its organisers.
// A form gives a role by email — over the whole forum (organiser, door staff) or over one of its
// sessions (moderator, speaker) — inviting by mail whoever has no account yet; below it, who
// holds what: the forum-wide roles, then each session's, in the order of the program. Each role
// can be withdrawn (after asking); for a few seconds after, "Undo" gives it back.
//
// The server decides who may do this; anyone else is told who can. Its refusals are shown next
// to the field they name, in the page's words.

import { account, me, refresh as refreshAccount } from "../account.js";
import { deleteJSON, getJSON, paths, postJSON } from "../api.js";
import { field, refusalText, restore, setBusy, showErrors, valuesOf } from "../forms.js";
import { html, render } from "../html.js";
import { pageGate } from "../page-gate.js";
import { lang, LANGS, t } from "../i18n.js";
import { roleName } from "../notice-words.js";
import { viewerZone } from "../state.js";
import { dayMomentIn, formatShortDay, timeRange } from "../time.js";

const FORUM_ROLES = ["organiser", "door"];
const SESSION_ROLES = ["moderator", "speaker"];
const ROLES = [...FORUM_ROLES, ...SESSION_ROLES];
const UNDO_MS = 10_000;

/** A session's title in the page's language, from a grant's `{title_en, title_ru}`. */
function titleOf(session) {
  return (lang() === "ru" ? session.title_ru : session.title_en) || session.title_en || session.title_ru || "";
}

class PvRoles extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.key = null; // "forum|person|organiser|language|zone" of what is loaded
    this.grants = null;
    this.sessions = []; // the program's sessions, in its order: {id, title, when}
    this.failure = null;
    this.errors = {};
    this.problem = null;
    this.busy = false;
    this.said = null; // the last thing done, said in the status line
    this.confirming = null; // the id of the grant whose withdrawal is being asked about
    this.rowProblem = null; // {id, text}: a withdrawal refused
    this.undo = null; // {grant, timer}: the grant just withdrawn, while it can be given back
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("change", (event) => this.onChange(event));
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  /** Shown, or the URL or the person changed: read the roles again for another forum, person,
   * language or zone. */
  update({ opened = false } = {}) {
    if (!this._forum) return;
    document.title = `${t("roles.title")} — ${this._forum.name}`;
    const person = me();
    // Given or losing the organiser's role here (a push says so) reads the page again.
    const organiser = (person?.roles || []).some((grant) => grant.role === "organiser"
      && grant.forum_slug === this._forum.slug);
    const key = person ? `${this._forum.slug}|${person.id}|${organiser}|${lang()}|${viewerZone()}` : null;
    if (key && key !== this.key) {
      this.load(key, opened);
      return;
    }
    if (!key) this.key = null;
    this.draw();
    if (opened) this.focusTitle();
  }

  async load(key, focus) {
    const forum = this._forum.slug;
    if (!this.key || this.key.split("|")[0] !== forum) {
      Object.assign(this, { grants: null, sessions: [], said: null, confirming: null, rowProblem: null });
      this.forgetUndo();
    }
    this.key = key;
    this.failure = null;
    this.draw();
    if (focus) this.focusTitle();
    const program = getJSON(paths.program(forum), { tz: viewerZone(), lang: lang() }).catch(() => null);
    try {
      const answer = await getJSON(paths.roles(forum));
      if (key !== this.key) return;
      this.grants = answer.grants;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
      if (error.status === 401) refreshAccount(); // signed out meanwhile
    }
    const found = await program;
    if (key !== this.key) return;
    this.sessions = found ? this.sessionsOf(found) : [];
    this.draw();
  }

  sessionsOf(program) {
    return program.days.flatMap((day) => day.sessions.map((session) => ({
      id: session.id,
      title: session.title,
      when: `${formatShortDay(day.date)}, ${timeRange(session.viewer)}`,
    })));
  }

  focusTitle() {
    this.querySelector("#roles-title")?.focus();
  }

  // --- the form ------------------------------------------------------------------------------

  onChange(event) {
    if (event.target.matches("#roles-role")) this.draw(); // the session picker comes or goes
  }

  check(values) {
    const errors = {};
    if (!values.email) errors.email = t("roles.check.email");
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email)) errors.email = t("roles.error.email.invalid");
    if (SESSION_ROLES.includes(values.role) && !values.session) errors.session = t("roles.error.session.invalid");
    return errors;
  }

  async onSubmit(event) {
    event.preventDefault();
    const form = event.target.closest("form[data-roles-form]");
    if (!form || this.busy) return;
    const values = valuesOf(form);
    this.errors = this.check(values);
    this.problem = null;
    this.said = null;
    this.showState(form);
    if (Object.keys(this.errors).length) {
      showErrors(form, this.errors)?.focus();
      return;
    }
    this.busy = true;
    setBusy(form, true, t("roles.busy"));
    const body = {
      email: values.email,
      name: values.name,
      language: values.language,
      role: values.role,
      session: SESSION_ROLES.includes(values.role) ? Number(values.session) : null,
    };
    try {
      const given = await postJSON(paths.roles(this._forum.slug), body);
      this.busy = false;
      this.given(given);
      for (const name of ["email", "name"]) form.elements.namedItem(name).value = "";
      this.draw();
      this.querySelector("#roles-email")?.focus();
    } catch (error) {
      this.busy = false;
      this.refused(error);
    }
  }

  /** A grant the server answered: in the list (once), and said in the status line. */
  given(grant) {
    this.grants = [...(this.grants || []).filter((known) => known.id !== grant.id), grant];
    const scope = grant.session ? titleOf(grant.session) : this._forum.name;
    this.said = grant.user.pending
      ? t("roles.invited", { email: grant.user.email, role: roleName(grant.role), scope })
      : t("roles.granted", { name: grant.user.name, role: roleName(grant.role), scope });
  }

  refused(error) {
    if (error.status === 401) refreshAccount();
    const known = ["email", "name", "language", "role", "session"];
    const text = refusalText(error, "roles");
    this.errors = known.includes(error.field) ? { [error.field]: text } : {};
    this.problem = known.includes(error.field) ? null : text;
    const form = this.querySelector("form[data-roles-form]");
    if (!form) return;
    setBusy(form, false, t("roles.submit"));
    this.showState(form);
    (showErrors(form, this.errors) || form.querySelector('[type="submit"]'))?.focus();
  }

  showState(form) {
    const box = form.querySelector("[data-form-problem]");
    if (box) {
      box.textContent = this.problem || "";
      box.hidden = !this.problem;
    }
    const said = this.querySelector("[data-roles-said]");
    if (said) said.textContent = this.said || "";
  }

  // --- withdrawing ---------------------------------------------------------------------------

  onClick(event) {
    const target = event.target;
    const ask = target.closest("[data-withdraw]");
    if (ask) {
      this.confirming = Number(ask.dataset.withdraw);
      this.rowProblem = null;
      this.draw();
      this.querySelector("[data-confirm]")?.focus();
      return;
    }
    if (target.closest("[data-keep]")) {
      const id = this.confirming;
      this.confirming = null;
      this.draw();
      this.querySelector(`[data-withdraw="${id}"]`)?.focus();
      return;
    }
    const confirm = target.closest("[data-confirm]");
    if (confirm) {
      this.withdraw(Number(confirm.dataset.confirm));
      return;
    }
    if (target.closest("[data-undo]")) {
      this.giveBack();
      return;
    }
    if (target.closest("[data-retry]")) {
      this.key = null;
      this.update();
    }
  }

  async withdraw(id) {
    const grant = (this.grants || []).find((known) => known.id === id);
    if (!grant) return;
    this.confirming = null;
    this.rowProblem = null;
    try {
      await deleteJSON(paths.role(this._forum.slug, id));
    } catch (error) {
      if (error.status === 401) refreshAccount();
      if (error.status === 404) {
        this.grants = this.grants.filter((known) => known.id !== id); // gone already
        this.said = t("roles.error.grant.not_found");
      } else {
        this.rowProblem = { id, text: refusalText(error, "roles") };
      }
      this.draw();
      this.querySelector(`[data-withdraw="${id}"]`)?.focus();
      return;
    }
    this.grants = this.grants.filter((known) => known.id !== id);
    this.forgetUndo();
    this.undo = { grant, timer: setTimeout(() => this.undoExpired(), UNDO_MS) };
    this.said = null;
    this.draw();
    this.querySelector("[data-undo]")?.focus(); // the row is gone: focus where the way back is
  }

  undoExpired() {
    const hadFocus = this.querySelector("[data-undo-bar]")?.contains(document.activeElement);
    this.undo = null;
    this.draw();
    if (hadFocus) this.querySelector("#roles-list-title")?.focus();
  }

  forgetUndo() {
    if (this.undo) clearTimeout(this.undo.timer);
    this.undo = null;
  }

  /** Give the role just withdrawn back to the same person over the same forum or session. */
  async giveBack() {
    const undo = this.undo;
    if (!undo) return;
    this.forgetUndo();
    const { grant } = undo;
    try {
      const given = await postJSON(paths.roles(this._forum.slug), {
        email: grant.user.email,
        name: grant.user.name,
        language: lang(),
        role: grant.role,
        session: grant.session ? grant.session.id : null,
      });
      this.given(given);
      this.said = t("roles.givenBack", { name: given.user.name, role: roleName(given.role) });
    } catch (error) {
      if (error.status === 401) refreshAccount();
      this.said = t("roles.undoFailed", { message: refusalText(error, "roles") });
    }
    this.draw();
    this.querySelector("#roles-list-title")?.focus();
  }

  // --- drawing -------------------------------------------------------------------------------

  draw() {
    const before = this.querySelector("form[data-roles-form]");
    const values = before ? valuesOf(before) : null;
    render(this, html`<section class="wrap roles-page" aria-labelledby="roles-title" data-testid="roles-page">
      <h2 id="roles-title" tabindex="-1" data-focus-key="roles-title">${t("roles.title")}</h2>
      ${this.body()}
    </section>`);
    const form = this.querySelector("form[data-roles-form]");
    if (!form) return;
    // First drawn: the invitation in the page's language, for a speaker (the commonest).
    restore(form, values || { language: lang(), role: "speaker" });
    this.showSessionPicker(form);
    showErrors(form, this.errors);
    this.showState(form);
    if (this.busy) setBusy(form, true, t("roles.busy"));
  }

  /** The session picker only for the roles held over a session. */
  showSessionPicker(form) {
    const box = form.querySelector('[data-field="session"]');
    const role = form.elements.namedItem("role").value;
    if (box) box.hidden = !SESSION_ROLES.includes(role);
  }

  body() {
    const gate = pageGate("roles", {
      failure: this.failure,
      ready: Boolean(this.grants),
      errorKey: "roles.loadFailed",
    });
    if (gate) return gate;
    return html`<p class="roles-intro">${t("roles.intro")}</p>
      ${this.form()}
      <p class="roles-said" role="status" data-roles-said data-testid="roles-said"></p>
      ${this.undoBar()}
      ${this.list()}`;
  }

  form() {
    const option = (value, label) => html`<option value="${value}">${label}</option>`;
    return html`<form class="roles-form" novalidate data-roles-form data-testid="roles-form" aria-labelledby="roles-form-title">
      <h3 id="roles-form-title">${t("roles.give")}</h3>
      <div class="roles-form-grid">
        ${field("roles", "email", t("roles.email"), { type: "email", attrs: html`autocomplete="off" spellcheck="false" data-testid="roles-email"` })}
        ${field("roles", "name", t("roles.name"), { hint: t("roles.nameHint"), attrs: html`autocomplete="off" data-testid="roles-name"` })}
        ${this.select("language", t("roles.language"), LANGS.map((code) => option(code, t(`lang.${code}`))), t("roles.languageHint"))}
        ${this.select("role", t("roles.role"), ROLES.map((role) => option(role, roleName(role))))}
        ${this.select("session", t("roles.session"), [
          option("", t("roles.chooseSession")),
          ...this.sessions.map((s) => option(s.id, `${s.when} · ${s.title}`)),
        ], this.sessions.length ? "" : t("roles.noSessions"))}
      </div>
      <p class="form-error" role="alert" data-form-problem data-testid="roles-error" hidden></p>
      <button type="submit" class="button button-primary" data-focus-key="roles-submit" data-testid="roles-submit">${t("roles.submit")}</button>
    </form>`;
  }

  select(name, label, options, hint = "") {
    const id = `roles-${name}`;
    const described = [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" ");
    return html`<div class="form-field" data-field="${name}">
      <label for="${id}">${label}</label>
      <select id="${id}" name="${name}" data-focus-key="${id}" data-testid="${id}" aria-describedby="${described}">${options}</select>
      ${hint ? html`<p class="form-hint" id="${id}-hint">${hint}</p>` : ""}
      <p class="field-error" id="${id}-error" data-error-for="${name}" hidden></p>
    </div>`;
  }

  undoBar() {
    if (!this.undo) return "";
    const { grant } = this.undo;
    const scope = grant.session ? titleOf(grant.session) : this._forum.name;
    return html`<div class="roles-undo" role="status" data-undo-bar data-testid="roles-undo-bar">
      <p>${t("roles.withdrawn", { name: grant.user.name, role: roleName(grant.role), scope })}</p>
      <button type="button" class="button" data-undo data-focus-key="roles-undo" data-testid="roles-undo">${t("roles.undo")}</button>
    </div>`;
  }

  /** The grants: the whole forum's first (organisers, then door staff), then each session's. */
  list() {
    const grants = this.grants;
    const forumWide = grants.filter((grant) => !grant.session)
      .sort((a, b) => FORUM_ROLES.indexOf(a.role) - FORUM_ROLES.indexOf(b.role) || a.user.name.localeCompare(b.user.name));
    const order = new Map(this.sessions.map((session, i) => [session.id, i]));
    const bySession = new Map();
    for (const grant of grants.filter((known) => known.session)) {
      if (!bySession.has(grant.session.id)) bySession.set(grant.session.id, []);
      bySession.get(grant.session.id).push(grant);
    }
    const place = (id) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
    const sessionIds = [...bySession.keys()].sort((a, b) => place(a) - place(b) || a - b);
    return html`<section class="roles-list" aria-labelledby="roles-list-title" data-testid="roles-list">
      <h3 id="roles-list-title" tabindex="-1" data-focus-key="roles-list-title">${t("roles.holders")}</h3>
      <p class="zone-note">${t("roles.zoneNote", { zone: viewerZone() })}</p>
      ${this.group("forum", t("roles.wholeForum", { forum: this._forum.name }), "", forumWide)}
      ${sessionIds.length === 0
        ? html`<p class="empty-state" data-testid="roles-no-session-roles">${t("roles.noSessionRoles")}</p>`
        : sessionIds.map((id) => this.sessionGroup(id, bySession.get(id)))}
    </section>`;
  }

  sessionGroup(id, grants) {
    const known = this.sessions.find((session) => session.id === id);
    const title = known ? known.title : titleOf(grants[0].session);
    const order = (grant) => SESSION_ROLES.indexOf(grant.role);
    const sorted = [...grants].sort((a, b) => order(a) - order(b) || a.user.name.localeCompare(b.user.name));
    return this.group(`session-${id}`, title, known ? known.when : "", sorted, id);
  }

  group(key, title, when, grants, session = null) {
    const heading = `roles-group-${key}`;
    return html`<section class="roles-group" aria-labelledby="${heading}" data-testid="roles-group"
        data-session="${session ?? ""}">
      <h4 id="${heading}">${title}${when ? html` <span class="muted roles-group-when">${when}</span>` : ""}</h4>
      ${grants.length
        ? html`<ul class="roles-grants">${grants.map((grant) => this.row(grant))}</ul>`
        : html`<p class="muted">${t("roles.none")}</p>`}
    </section>`;
  }

  row(grant) {
    const { user } = grant;
    const asking = this.confirming === grant.id;
    const problem = this.rowProblem?.id === grant.id ? this.rowProblem.text : null;
    const given = grant.granted_at
      ? t(grant.granted_by ? "roles.grantedAtBy" : "roles.grantedAt", {
        when: dayMomentIn(grant.granted_at, viewerZone()), name: grant.granted_by || "" })
      : "";
    return html`<li class="roles-grant" data-testid="grant" data-id="${grant.id}" data-email="${user.email}"
        data-role="${grant.role}" data-session="${grant.session ? grant.session.id : ""}"
        data-pending="${String(user.pending)}">
      <div class="roles-grant-who">
        <span class="roles-grant-name">${user.name}</span>
        <a class="roles-grant-email" href="mailto:${user.email}">${user.email}</a>
        <span class="tag roles-tag-${grant.role}">${roleName(grant.role)}</span>
        ${user.pending ? html`<span class="tag tag-pending" data-testid="grant-pending">${t("roles.pending")}</span>` : ""}
        ${given ? html`<span class="muted roles-grant-given">${given}</span>` : ""}
      </div>
      <div class="roles-grant-actions">
        ${asking
          ? html`<span class="roles-confirm-question" id="roles-confirm-${grant.id}">${t("roles.confirm", {
              role: roleName(grant.role), name: user.name })}</span>
            <button type="button" class="button button-danger" data-confirm="${grant.id}" data-focus-key="confirm-${grant.id}"
              data-testid="grant-confirm" aria-describedby="roles-confirm-${grant.id}">${t("roles.confirmYes")}</button>
            <button type="button" class="button button-quiet" data-keep data-focus-key="keep-${grant.id}">${t("roles.confirmNo")}</button>`
          : html`<button type="button" class="button" data-withdraw="${grant.id}" data-focus-key="withdraw-${grant.id}"
              data-testid="grant-withdraw">${t("roles.withdraw")}<span class="visually-hidden">: ${roleName(grant.role)}, ${user.name}</span></button>`}
      </div>
      ${problem ? html`<p class="form-error roles-grant-problem" role="alert" data-testid="grant-problem">${problem}</p>` : ""}
    </li>`;
  }
}

customElements.define("pv-roles", PvRoles);
