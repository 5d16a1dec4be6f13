// <pv-editor>: the program editor (`view=editor`, `tab=` sessions|venues|tracks|people|forum)
// for the organisers of the forum in the URL. Sessions are listed by day in the forum's zone
// with their status, and are created, edited, moved, cancelled (with undo), restored and
// deleted here; venues, tracks and people are added, edited and deleted; the forum's own
// settings are changed. The server decides who may: anyone else is told who can.
//
// A session's times are typed as the host city's wall clock; the form shows that instant in
// the viewer's zone beside them, and asks the server (debounced) what it would refuse or
// warn about while the person types: problems and conflicts appear next to the fields they
// name before saving, and a session with conflicts is saved only by "Save anyway".
//
// A form is drawn when it opens (and when the language changes), never while the person
// types: what the server answers meanwhile is painted into the notes beside the fields.

import { account, me, refresh as refreshAccount } from "../account.js";
import { deleteJSON, getJSON, patchJSON, postJSON } from "../api.js";
import {
  BLANK, CONFIRMABLE, FIELDS, SESSION_FIELDS, TABS, checkBody, editorPaths, itemBody, named,
  notesOf, ownChecks, paintNotes, sessionBody, sessionTimes, valueOf, viewerRange, word,
} from "../editor-parts.js";
import {
  castRows, itemForm, itemRow, sessionDraft, sessionForm, sessionRow, sessionsByDay,
} from "../editor-views.js";
import { setBusy } from "../forms.js";
import { html, render } from "../html.js";
import { pageGate } from "../page-gate.js";
import { i18n, t } from "../i18n.js";
import { current, hrefFor, navigate, viewerZone } from "../state.js";
import { formatDay, zoneNames } from "../time.js";

const CHECK_DELAY_MS = 400;

/** A field of the draft changed: what the check held says about it is out of date, and so
 * will be the answer of a check already on its way. */
function edit(open, name) {
  open.edited.add(name);
  open.editedSinceAsked?.add(name);
}

class PvEditor extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.key = null; // forum|person the data was loaded for
    this.data = null; // the EditorState
    this.failure = null;
    this.forms = {}; // the open form of each tab: {kind, key, draft, touched, check, errors, busy…}
    this.confirming = null; // {kind, key}: a delete waiting for "yes"
    this.flash = null; // {key, params, tone, undo}: what the last action did
    this.checkTimer = null;
    this.checkTicket = 0;
    this.innerHTML = `<section class="wrap editor-page" aria-labelledby="editor-title" data-testid="editor-page">
        <div data-head></div>
        <div class="editor-flash" data-flash role="status" aria-live="polite" tabindex="-1" data-testid="editor-flash"></div>
        <div data-body></div>
        <datalist id="editor-zones"></datalist>
      </section>`;
    this.head = this.querySelector("[data-head]");
    this.flashBox = this.querySelector("[data-flash]");
    this.body = this.querySelector("[data-body]");
    render(this.querySelector("#editor-zones"), zoneNames().map((name) => html`<option value="${name}"></option>`));
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("input", (event) => this.onInput(event));
    this.addEventListener("change", (event) => this.onInput(event));
    this.addEventListener("keydown", (event) => this.onKeydown(event));
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
    i18n.addEventListener("change", () => {
      if (!this.hidden && this._forum) this.draw();
    });
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
    document.title = `${t("editor.title")} — ${this._forum.name}`;
    const person = me();
    const key = person ? `${this._forum.slug}|${person.id}` : null;
    if (key && key !== this.key) {
      this.load(key, opened);
      return;
    }
    if (!key) Object.assign(this, { key: null, data: null, failure: null, forms: {} });
    this.draw();
    if (opened) this.focusTitle();
  }

  async load(key, focus) {
    Object.assign(this, { key, data: null, failure: null, forms: {}, confirming: null, flash: null });
    this.draw();
    try {
      const data = await getJSON(editorPaths.state(this._forum.slug));
      if (key !== this.key) return;
      this.data = data;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
      if (error.status === 401) refreshAccount(); // signed out meanwhile
    }
    this.draw();
    if (focus) this.focusTitle();
  }

  /** Ask for everything again after a change (a slug renamed, a session cancelled instead). */
  async reload() {
    const key = this.key;
    try {
      const data = await getJSON(editorPaths.state(this._forum.slug));
      if (key === this.key) this.data = data;
    } catch (error) {
      this.flash = { text: word(error), tone: "error" };
    }
    this.draw();
  }

  tab() {
    const asked = current().tab;
    return TABS.includes(asked) ? asked : "sessions";
  }

  focusTitle() {
    this.querySelector("#editor-title")?.focus();
  }

  // ---- drawing ----

  draw() {
    render(this.head, html`<a class="back-link" href="${hrefFor({ view: null })}" data-focus-key="back"
        data-testid="editor-back"><span aria-hidden="true">←</span> ${t("editor.back")}</a>
      <div class="section-head">
        <h2 id="editor-title" tabindex="-1" data-focus-key="editor-title">${t("editor.title")}</h2>
      </div>`);
    render(this.body, this.page());
    this.paintFlash();
    const open = this.openForm();
    if (open) this.paintForm(open);
  }

  page() {
    const gate = pageGate("editor", {
      failure: this.failure,
      ready: Boolean(this.data),
      errorKey: "editor.error",
      word,
    });
    if (gate) return gate;
    const open = this.tab();
    return html`<div class="editor-tabs" role="tablist" aria-label="${t("editor.tabs")}">${TABS.map((name) => html`<button
        type="button" role="tab" id="editor-tab-${name}" class="editor-tab" aria-controls="editor-panel"
        aria-selected="${String(name === open)}" tabindex="${name === open ? 0 : -1}" data-tab="${name}"
        data-focus-key="editor-tab-${name}" data-testid="editor-tab-${name}">${t(`editor.tab.${name}`)}${
        name === "forum" ? "" : html` <span class="tab-badge">${this.data[name].length}</span>`}</button>`)}</div>
      <div class="editor-panel" role="tabpanel" id="editor-panel" aria-labelledby="editor-tab-${open}"
        data-testid="editor-panel-${open}">${this.panel(open)}</div>`;
  }

  panel(tab) {
    if (tab === "forum") {
      this.forms.forum ||= this.formFor("forum", this.data.forum.slug, { ...this.data.forum });
      return itemForm(this.forms.forum, this.data);
    }
    const open = this.forms[tab];
    const form = open ? (tab === "sessions" ? sessionForm(open, this.data) : itemForm(open, this.data)) : "";
    const adding = html`<div class="editor-actions"><button type="button" class="button button-primary"
      data-new="${tab}" data-focus-key="new-${tab}" data-testid="editor-new-${tab}">${t(`editor.${tab}.new`)}</button></div>`;
    const items = this.data[tab];
    const empty = html`<div class="empty-state" data-testid="editor-empty"><p>${t(`editor.${tab}.empty`)}</p></div>`;
    if (tab !== "sessions") {
      return html`${adding}${form}${items.length === 0 ? empty
        : html`<ul class="editor-list">${items.map((item) => itemRow(tab, item, this.confirming))}</ul>`}`;
    }
    const zone = this.data.forum.tz;
    return html`${adding}${form}
      <p class="zone-note">${t("editor.sessions.zoneNote", { zone })}</p>
      ${items.length === 0 ? empty : sessionsByDay(items, zone).map(([day, sessions]) => html`<section
        class="editor-day" aria-labelledby="editor-day-${day}">
        <h3 id="editor-day-${day}" class="editor-day-head">${formatDay(day)}</h3>
        <ul class="editor-list">${sessions.map((s) => sessionRow(s, this.data, this.confirming))}</ul>
      </section>`)}`;
  }

  paintFlash() {
    const flash = this.flash;
    render(this.flashBox, flash ? html`<p class="editor-flash-line editor-flash-${flash.tone || "ok"}">${
      flash.text || t(flash.key, flash.params)}${flash.undo ? html` <button type="button" class="button"
        data-undo="${flash.undo}" data-focus-key="undo" data-testid="editor-undo">${t("editor.undo")}</button>` : ""}</p>` : "");
  }

  // ---- forms ----

  formFor(kind, key, draft) {
    // touched: fields the person has been at; edited: fields changed since the check whose
    // answer is held was asked for (what it says about them is out of date; it is still held,
    // and shown, while the next check is on its way).
    return {
      kind, key, draft, touched: new Set(), edited: new Set(), check: null, checking: false, errors: {},
      refusal: null, busy: false,
    };
  }

  openForm() {
    const form = this.forms[this.tab()];
    return form && this.querySelector(`form[data-form="${form.kind}"]`) ? form : null;
  }

  element(open) {
    return this.querySelector(`form[data-form="${open.kind}"]`);
  }

  open(kind, key, { focus = "title" } = {}) {
    const own = (each) => String(kind === "sessions" ? each.id : each.slug);
    const found = key === null ? null : this.data[kind].find((each) => own(each) === String(key)) || null;
    const draft = kind === "sessions" ? sessionDraft(found, this.data.forum) : { ...(found || BLANK[kind]) };
    this.forms[kind] = this.formFor(kind, found ? (kind === "sessions" ? found.id : found.slug) : null, draft);
    this.confirming = null;
    this.draw();
    const form = this.element(this.forms[kind]);
    (focus === "date" ? form.querySelector('[name="date"]') : form.querySelector("h3"))?.focus();
    if (kind === "sessions") this.scheduleCheck(0);
  }

  close(kind) {
    const open = this.forms[kind];
    delete this.forms[kind];
    this.draw();
    const back = open?.key !== null && open?.key !== undefined
      ? this.querySelector(`[data-focus-key="edit-${kind}-${open.key}"]`) : null;
    (back || this.querySelector(`[data-new="${kind}"]`))?.focus();
  }

  /** A field changed: into the draft; a session's times and conflicts are asked about again. */
  onInput(event) {
    const form = event.target.closest("form[data-form]");
    if (!form) return;
    const open = this.forms[form.dataset.form];
    if (!open) return;
    const target = event.target;
    if (target.dataset.cast !== undefined) {
      open.draft.cast[Number(target.dataset.cast)][target.dataset.castKey] = target.value;
      open.touched.add("cast");
      edit(open, "cast");
    } else {
      const spec = (open.kind === "sessions" ? SESSION_FIELDS : FIELDS[open.kind]).find((s) => s.name === target.name);
      if (!spec) return;
      open.draft[spec.name] = valueOf(spec, target);
      open.touched.add(spec.name);
      edit(open, spec.name);
    }
    if (open.kind !== "sessions") return;
    open.refusal = null;
    this.paintForm(open);
    this.scheduleCheck();
  }

  /** Paint the notes, the viewer's time and the buttons of an open form; answers the first
   * control with an error. */
  paintForm(open) {
    const form = this.element(open);
    if (!form) return null;
    const { errors, warnings } = notesOf(open);
    const first = paintNotes(form, errors, warnings);
    if (open.kind === "sessions") this.paintSessionExtras(open, form, warnings);
    return first;
  }

  paintSessionExtras(open, form, warnings) {
    const { start, end } = sessionTimes(open.draft);
    const zone = viewerZone();
    form.querySelector("[data-viewer-time]").textContent = start !== null && end !== null && end > start
      ? t("editor.sessions.viewerTime", { zone, time: viewerRange(start, end, zone) })
      : t("editor.sessions.viewerTimeUnknown", { zone });
    const refused = CONFIRMABLE.has(open.refusal?.details?.reason);
    const conflicted = Object.keys(warnings).length > 0 || refused;
    form.querySelector("[data-save-anyway]").hidden = !conflicted;
    // A polite live region: set only when what it says changes (a check's answer may repeat
    // the last one); while a check is on its way it keeps the last answer, marked busy.
    const line = form.querySelector("[data-check-state]");
    const said = conflicted ? t("editor.sessions.conflicts") : open.check ? t("editor.sessions.noConflicts") : "";
    if (line.textContent !== said) line.textContent = said;
    line.setAttribute("aria-busy", String(open.checking));
  }

  scheduleCheck(delay = CHECK_DELAY_MS) {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.runCheck(), delay);
  }

  /** Ask the server what saving the draft now would meet (answers older than the last
   * question are dropped). */
  async runCheck() {
    const open = this.forms.sessions;
    if (!open) return;
    const ticket = ++this.checkTicket;
    if (["date", "start", "end", "host_tz"].some((name) => !open.draft[name])) {
      Object.assign(open, { check: null, checking: false }); // nothing to check the times of
      this.paintForm(open);
      return;
    }
    Object.assign(open, { checking: true, editedSinceAsked: new Set() });
    this.paintForm(open);
    let check;
    try {
      const answer = await postJSON(editorPaths.check(this._forum.slug), checkBody(open));
      check = { problems: answer.problems || [], conflicts: answer.conflicts || [], error: null };
    } catch (error) {
      if (error.status === 401) refreshAccount();
      // The check only advises: any other failure leaves saving to say what is wrong.
      check = { problems: [], conflicts: [], error: error.status === 422 ? error : null };
    }
    if (ticket !== this.checkTicket || this.forms.sessions !== open) return;
    Object.assign(open, { check, checking: false, edited: open.editedSinceAsked, editedSinceAsked: null });
    this.paintForm(open);
  }

  async onSubmit(event) {
    const form = event.target.closest("form[data-form]");
    if (!form) return;
    event.preventDefault();
    await this.save(this.forms[form.dataset.form]);
  }

  async save(open, { confirm = false } = {}) {
    if (!open || open.busy) return;
    open.errors = ownChecks(open);
    open.refusal = null;
    const blocked = this.paintForm(open);
    if (blocked) {
      blocked.focus();
      return;
    }
    open.busy = true;
    const form = this.element(open);
    setBusy(form, true, t("editor.saving"));
    try {
      const saved = await this.send(open, confirm);
      if (this.forms[open.kind] !== open) return;
      if (open.kind === "forum") delete this.forms.forum;
      else delete this.forms[open.kind];
      this.flash = { key: "editor.saved", params: { name: open.kind === "sessions" ? named(saved, "title") : named(saved) } };
      // The shell shows the forum's name, dates and zone: it asks for them again.
      if (open.kind === "forum") this.dispatchEvent(new CustomEvent("pv-forum-changed", { bubbles: true }));
      await this.reload();
      const again = open.kind === "forum" ? null
        : this.querySelector(`[data-focus-key="edit-${open.kind}-${open.kind === "sessions" ? saved.id : saved.slug}"]`);
      (again || this.flashBox).focus();
    } catch (error) {
      open.busy = false;
      if (error.status === 401) refreshAccount();
      if (error.status === 404) this.reload(); // gone meanwhile (as the refusal says)
      open.refusal = error;
      const element = this.element(open);
      if (!element) return;
      setBusy(element, false, t("editor.save"));
      this.paintForm(open)?.focus();
    }
  }

  send(open, confirm) {
    const forum = this._forum.slug;
    if (open.kind === "forum") return patchJSON(editorPaths.forum(forum), itemBody(open.kind, open.draft));
    if (open.kind === "sessions") {
      const body = { ...sessionBody(open.draft), confirm };
      return open.key === null ? postJSON(editorPaths.sessions(forum), body)
        : patchJSON(editorPaths.session(forum, open.key), body);
    }
    return open.key === null ? postJSON(editorPaths.items(forum, open.kind), itemBody(open.kind, open.draft))
      : patchJSON(editorPaths.item(forum, open.kind, open.key), itemBody(open.kind, open.draft));
  }

  // ---- the cast ----

  drawCast(open, focus) {
    const form = this.element(open);
    render(form.querySelector("[data-cast-list]"), castRows(open.draft.cast, this.data));
    this.paintForm(open);
    form.querySelector(focus)?.focus();
    this.scheduleCheck();
  }

  // ---- sessions: cancel, restore, delete; venues, tracks, people: delete ----

  async act(action, id) {
    const forum = this._forum.slug;
    const session = this.data.sessions.find((s) => s.id === Number(id));
    const title = named(session, "title");
    try {
      if (action === "cancel") {
        await postJSON(editorPaths.cancel(forum, id));
        this.flash = { key: "editor.sessions.cancelled", params: { name: title }, undo: id };
      } else if (action === "restore") {
        await postJSON(editorPaths.restore(forum, id));
        this.flash = { key: "editor.sessions.restored", params: { name: title } };
      } else {
        const answer = await deleteJSON(editorPaths.session(forum, id));
        this.flash = answer.cancelled
          ? { key: "editor.sessions.cancelledInstead", params: { name: title }, undo: id }
          : { key: "editor.deleted", params: { name: title } };
      }
    } catch (error) {
      if (error.status === 401) refreshAccount();
      this.flash = { text: word(error, { scope: action }), tone: "error" };
    }
    this.confirming = null;
    await this.reload();
    const kept = this.querySelector(`[data-focus-key="status-sessions-${id}"]`);
    if (action !== "delete" && kept) kept.focus();
    else this.flashBox.focus();
  }

  async removeItem(kind, slug) {
    const item = this.data[kind].find((each) => each.slug === slug);
    try {
      await deleteJSON(editorPaths.item(this._forum.slug, kind, slug));
      this.flash = { key: "editor.deleted", params: { name: named(item) } };
    } catch (error) {
      if (error.status === 401) refreshAccount();
      this.flash = { text: word(error, { scope: "delete" }), tone: "error" };
    }
    this.confirming = null;
    await this.reload();
    this.flashBox.focus();
  }

  // ---- events ----

  onClick(event) {
    const hit = (selector) => event.target.closest(selector);
    let button;
    if ((button = hit("[data-tab]"))) this.select(button.dataset.tab);
    else if ((button = hit("[data-new]"))) this.open(button.dataset.new, null);
    else if ((button = hit("[data-edit]"))) this.open(button.dataset.kind, button.dataset.edit);
    else if ((button = hit("[data-move]"))) this.open("sessions", button.dataset.move, { focus: "date" });
    else if ((button = hit("[data-close]"))) this.close(button.closest("form").dataset.form);
    else if ((button = hit("[data-save-anyway]"))) this.save(this.forms.sessions, { confirm: true });
    else if ((button = hit("[data-cast-add]"))) this.addCast();
    else if ((button = hit("[data-cast-remove]"))) this.removeCast(Number(button.dataset.castRemove));
    else if ((button = hit("[data-session-action]"))) this.act(button.dataset.sessionAction, button.dataset.id);
    else if ((button = hit("[data-undo]"))) this.act("restore", button.dataset.undo);
    else if ((button = hit("[data-delete]"))) this.askDelete(button.dataset.kind, button.dataset.delete);
    else if ((button = hit("[data-delete-yes]"))) this.confirmDelete();
    else if ((button = hit("[data-delete-no]"))) this.keep();
    else if (hit("[data-retry]")) this.load(this.key, true);
  }

  select(tab) {
    navigate({ tab: tab === "sessions" ? null : tab }, { replace: true });
  }

  addCast() {
    const open = this.forms.sessions;
    open.draft.cast.push({ person: "", role: "speaker", presence: "onsite" });
    open.touched.add("cast");
    edit(open, "cast");
    this.drawCast(open, `[data-focus-key="cast-${open.draft.cast.length - 1}-person"]`);
  }

  removeCast(index) {
    const open = this.forms.sessions;
    open.draft.cast.splice(index, 1);
    edit(open, "cast");
    const next = Math.min(index, open.draft.cast.length - 1);
    this.drawCast(open, next >= 0 ? `[data-focus-key="cast-${next}-person"]` : "[data-cast-add]");
  }

  askDelete(kind, key) {
    this.confirming = { kind, key: String(key) };
    this.draw();
    this.querySelector("[data-confirm-text]")?.focus();
  }

  confirmDelete() {
    const { kind, key } = this.confirming;
    if (kind === "sessions") this.act("delete", key);
    else this.removeItem(kind, key);
  }

  keep() {
    const { kind, key } = this.confirming;
    this.confirming = null;
    this.draw();
    this.querySelector(`[data-focus-key="delete-${kind}-${key}"]`)?.focus();
  }

  onKeydown(event) {
    const tab = event.target.closest?.('[role="tab"]');
    if (!tab) return;
    const at = TABS.indexOf(tab.dataset.tab);
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const name = TABS[(next + TABS.length) % TABS.length];
    this.select(name);
    this.querySelector(`[data-tab="${name}"]`)?.focus();
  }
}

customElements.define("pv-editor", PvEditor);
