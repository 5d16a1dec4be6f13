// <pv-attendance>: who registered for a session (`view=attendance&session=<id>`), for the
// forum's organisers and the session's moderators: counts per mode (confirmed, waitlisted,
// offered, checked in at the door), the list filtered by mode and status, check-in times in
// the viewer's zone, and the same list as CSV; for a closed session's organisers, the
// invitations to it (<pv-invitations>). The server decides who may see it; anyone else is
// told who can.

import { account, me, refresh as refreshAccount } from "../account.js";
import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { pageGate } from "../page-gate.js";
import { lang, t } from "../i18n.js";
import { current, hrefFor, viewerZone } from "../state.js";
import { dayMomentIn } from "../time.js";

/** The modes a session of each format takes registrations for. */
const MODES = { onsite: ["onsite"], online: ["online"], hybrid: ["onsite", "online"] };
const STATUSES = ["confirmed", "waitlisted", "offered"];

class PvAttendance extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.session = null; // the session's page data, for its title and format (may stay null)
    this.data = null;
    this.key = null;
    this.failure = null;
    this.filter = { mode: "", status: "" };
    // The organisers' invitations to a closed session: one panel, moved into every rendering.
    this.invitations = document.createElement("pv-invitations");
    this.addEventListener("change", (event) => this.onChange(event));
    this.addEventListener("click", (event) => this.onClick(event));
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

  /** Shown, or the URL or the person changed: ask again for another session or person. */
  update({ opened = false } = {}) {
    document.title = `${t("attendance.title")} — ${this.session ? this.session.title : t("app.name")}`;
    const id = current().session;
    const person = me();
    const key = person && this._forum && id ? `${this._forum.slug}|${id}|${person.id}|${lang()}` : null;
    if (key && key !== this.key) {
      this.load(key, id, opened);
      return;
    }
    this.draw();
    if (opened) this.focusTitle();
  }

  async load(key, id, focus) {
    if (!this.key || this.key.split("|")[1] !== id) {
      this.filter = { mode: "", status: "" }; // another session: its own filters
      this.session = null;
    }
    Object.assign(this, { key, data: null, failure: null });
    this.draw();
    const session = getJSON(paths.session(this._forum.slug, id), { lang: lang() }).catch(() => null);
    try {
      const data = await getJSON(paths.registrations(id));
      if (key !== this.key) return;
      this.data = data;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
      if (error.status === 401) refreshAccount(); // signed out meanwhile
    }
    const found = await session;
    if (key !== this.key) return;
    this.session = found;
    if (found) document.title = `${t("attendance.title")} — ${found.title}`;
    this.draw();
    if (focus) this.focusTitle();
  }

  onChange(event) {
    const select = event.target.closest("select[data-filter]");
    if (!select) return;
    this.filter = { ...this.filter, [select.dataset.filter]: select.value };
    this.draw();
  }

  onClick(event) {
    if (event.target.closest("[data-clear]")) {
      this.filter = { mode: "", status: "" };
      this.draw();
      this.querySelector('[data-filter="mode"]')?.focus();
    }
    if (event.target.closest("[data-retry]")) {
      this.key = null;
      this.update();
    }
  }

  focusTitle() {
    this.querySelector("#attendance-title")?.focus();
  }

  draw() {
    const active = document.activeElement;
    const focusInPanel = this.invitations.contains(active) ? active : null;
    render(this, html`<section class="wrap attendance-page" aria-labelledby="attendance-title" data-testid="attendance-page">
      <a class="back-link" href="${hrefFor({ view: null })}" data-focus-key="back" data-testid="attendance-back"><span
        aria-hidden="true">←</span> ${t("attendance.back")}</a>
      <div class="section-head">
        <h2 id="attendance-title" tabindex="-1" data-focus-key="attendance-title">${t("attendance.title")}</h2>
        ${this.session ? html`<p class="attendance-session" data-testid="attendance-session">${this.session.title}</p>` : ""}
      </div>
      ${this.body()}
      <div data-invitations-slot></div>
    </section>`);
    this.querySelector("[data-invitations-slot]").replaceWith(this.invitations);
    this.invitations.forum = this._forum;
    this.invitations.session = this.session;
    if (focusInPanel && this.invitations.contains(focusInPanel)) focusInPanel.focus();
  }

  body() {
    const gate = pageGate("attendance", {
      failure: this.failure,
      ready: Boolean(this.data),
      errorKey: "attendance.error",
    });
    if (gate) return gate;
    return this.report(this.data.registrations);
  }

  report(rows) {
    return html`<div class="attendance-tools">
        <p class="zone-note">${t("attendance.zoneNote", { zone: viewerZone() })}</p>
        <a class="button" href="${paths.registrationsCsv(this.data.session)}" download
          data-testid="attendance-csv" data-focus-key="csv">${t("attendance.csv")}</a>
      </div>
      ${this.counts(rows)}
      ${rows.length === 0
        ? html`<div class="empty-state" data-testid="attendance-empty"><p>${t("attendance.empty")}</p></div>`
        : html`${this.filters(rows)}${this.list(rows)}`}`;
  }

  /** The session's modes, and any other a registration has (a format changed later). */
  modes(rows) {
    const own = MODES[this.session?.format] || [];
    return [...new Set([...own, ...rows.map((row) => row.mode)])];
  }

  counts(rows) {
    const modes = this.modes(rows);
    const cells = (mine) => html`${STATUSES.map((status) => html`<td data-status="${status}">${
      mine.filter((row) => row.status === status).length}</td>`)}
      <td data-checked>${mine.filter((row) => row.checked_in_at).length}</td>`;
    return html`<table class="attendance-counts" data-testid="attendance-counts">
      <caption>${t("attendance.counts")}</caption>
      <thead><tr>
        <th scope="col">${t("attendance.mode")}</th>
        ${STATUSES.map((status) => html`<th scope="col">${t(`registration.status.${status}`)}</th>`)}
        <th scope="col">${t("attendance.checkedIn")}</th>
      </tr></thead>
      <tbody>${modes.map((mode) => html`<tr data-mode="${mode}">
        <th scope="row">${t(`format.${mode}`)}</th>${cells(rows.filter((row) => row.mode === mode))}
      </tr>`)}</tbody>
      ${modes.length > 1 ? html`<tfoot><tr data-mode="all"><th scope="row">${t("attendance.total")}</th>${cells(rows)}</tr></tfoot>` : ""}
    </table>`;
  }

  filters(rows) {
    const option = (value, label, chosen) => html`<option value="${value}" ${value === chosen ? html`selected` : ""}>${label}</option>`;
    return html`<fieldset class="filters attendance-filters">
      <legend class="visually-hidden">${t("attendance.filters")}</legend>
      <div class="field">
        <label for="attendance-mode">${t("attendance.mode")}</label>
        <select id="attendance-mode" data-filter="mode" data-focus-key="filter-mode" data-testid="attendance-filter-mode">
          ${option("", t("attendance.allModes"), this.filter.mode)}
          ${this.modes(rows).map((mode) => option(mode, t(`format.${mode}`), this.filter.mode))}
        </select>
      </div>
      <div class="field">
        <label for="attendance-status">${t("attendance.status")}</label>
        <select id="attendance-status" data-filter="status" data-focus-key="filter-status" data-testid="attendance-filter-status">
          ${option("", t("attendance.allStatuses"), this.filter.status)}
          ${STATUSES.map((status) => option(status, t(`registration.status.${status}`), this.filter.status))}
        </select>
      </div>
    </fieldset>`;
  }

  list(rows) {
    const { mode, status } = this.filter;
    const shown = rows.filter((row) => (!mode || row.mode === mode) && (!status || row.status === status));
    const count = html`<p class="attendance-shown" role="status" data-testid="attendance-shown">${
      t("attendance.shown", { shown: shown.length, total: rows.length })}</p>`;
    if (shown.length === 0) {
      return html`${count}<div class="empty-state" data-testid="attendance-no-match">
        <p>${t("attendance.noMatch")}</p>
        <button type="button" class="button" data-clear data-focus-key="clear">${t("program.clear")}</button>
      </div>`;
    }
    // The table scrolls sideways on a narrow screen; focusable, so the keyboard can scroll it.
    return html`${count}<div class="table-scroll" tabindex="0" role="region" aria-labelledby="attendance-people">
      <table class="attendance-table" data-testid="attendance-table">
        <caption id="attendance-people">${t("attendance.people")}</caption>
        <thead><tr>
          <th scope="col">${t("attendance.name")}</th>
          <th scope="col">${t("attendance.organisation")}</th>
          <th scope="col">${t("attendance.email")}</th>
          <th scope="col">${t("attendance.mode")}</th>
          <th scope="col">${t("attendance.status")}</th>
          <th scope="col">${t("attendance.checkedInAt")}</th>
        </tr></thead>
        <tbody>${shown.map((row) => this.row(row))}</tbody>
      </table>
    </div>`;
  }

  row({ user, mode, status, checked_in_at: checkedIn }) {
    return html`<tr data-testid="attendance-row" data-email="${user.email}" data-mode="${mode}"
        data-status="${status}" data-checked-in="${String(Boolean(checkedIn))}">
      <th scope="row">${user.name}</th>
      <td>${user.organisation || ""}</td>
      <td><a href="mailto:${user.email}">${user.email}</a></td>
      <td><span class="badge badge-mode-${mode}">${t(`format.${mode}`)}</span></td>
      <td><span class="badge badge-reg-${status}">${t(`registration.status.${status}`)}</span></td>
      <td data-testid="attendance-checked-in">${checkedIn
        ? html`<time datetime="${checkedIn}">${dayMomentIn(checkedIn, viewerZone())}</time>`
        : html`<span class="muted">${t("attendance.notCheckedIn")}</span>`}</td>
    </tr>`;
  }
}

customElements.define("pv-attendance", PvAttendance);
