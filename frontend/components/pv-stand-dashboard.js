// <pv-stand-dashboard>: below the calls on the exhibitor desk, one stand's leads, meeting
// slots, visit figures and texts, and its team (<pv-stand-team>), for its staff. The stand is
// chosen with a select when the person works at several. Each area (the list, the open lead,
// the slots, the figures) is drawn apart, so that a form being typed in is never redrawn under
// the person's fingers.
//
// Times are shown, and slots are published, in the viewer's zone (the one the page is set to).

import { getJSON, paths, patchJSON, postJSON } from "../api.js";
import { html, render } from "../html.js";
import { t } from "../i18n.js";
import { staffedStands } from "../my-stands.js";
import { nameOf } from "../showroom-parts.js";
import { viewerZone } from "../state.js";
import { dateIn, dayMomentIn, formatShortDay, momentIn, wallTime } from "../time.js";
import "./pv-stand-team.js";

const STATUSES = ["new", "contacted", "qualified", "won", "lost"];
const DAYS = 7;
const BAR_W = 36;
const CHART_H = 120;

class PvStandDashboard extends HTMLElement {
  connectedCallback() {
    this.slug = staffedStands()[0]?.slug || null;
    this.staffNames = new Map(); // user id → name, for who did what on a lead
    this.leadId = null;
    this.addEventListener("change", (event) => this.onChange(event));
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.drawFrame();
    this.refresh();
  }

  /** Ask again for everything about the chosen stand (the open lead included). */
  refresh() {
    if (!this.slug) return;
    this.loadStand();
    this.loadLeads();
    this.loadSlots();
    this.loadAnalytics();
    if (this.leadId) this.openLead(this.leadId);
  }

  zone() {
    return viewerZone();
  }

  // --- loading -------------------------------------------------------------------------------

  /** The staff's names (for who did what on a lead) and the texts to edit, in both languages. */
  async loadStand() {
    const slug = this.slug;
    let en, ru;
    try {
      [en, ru] = await Promise.all(["en", "ru"].map((code) => getJSON(paths.stand(slug), { lang: code })));
    } catch {
      return; // names fall back to "a colleague"; the texts stay empty to type afresh
    }
    if (slug !== this.slug) return;
    this.staffNames = new Map(en.staff.map((s) => [s.user_id, s.name]));
    const form = this.querySelector("[data-texts-form]");
    if (form && !form.dataset.filled) { // once: a refresh must not undo what is being typed
      form.dataset.filled = "yes";
      form.elements.en.value = en.description || "";
      form.elements.ru.value = ru.description || "";
    }
  }

  async load(part, path, params, draw) {
    const slug = this.slug;
    try {
      const answer = await getJSON(path, params);
      if (slug === this.slug) this.part(part, draw(answer));
    } catch (error) {
      if (slug === this.slug) this.part(part, html`<p class="notice notice-error" role="alert">${t("dash.loadFailed", { message: error.message })}</p>`);
    }
  }

  loadLeads() {
    return this.load("leads", paths.leads(this.slug), {}, (leads) => this.leadList(leads));
  }

  loadSlots() {
    return this.load("slots", paths.slots(this.slug), {}, (slots) => this.slotList(slots));
  }

  loadAnalytics() {
    const params = { days: DAYS, tz: this.zone() };
    return this.load("analytics", paths.analytics(this.slug), params, (report) => this.figures(report));
  }

  async openLead(id) {
    this.leadId = id;
    this.markChosen();
    // Two leads chosen quickly: only the last one's answer is drawn.
    await this.load("lead", paths.lead(this.slug, id), {}, (lead) => (id === this.leadId ? this.leadDetail(lead) : null));
  }

  // --- the frame -----------------------------------------------------------------------------

  drawFrame() {
    const stands = staffedStands();
    const zone = this.zone();
    render(this, html`<div class="dashboard" data-testid="dashboard">
      ${stands.length > 1 ? html`<p class="dash-stand"><label for="dash-stand">${t("dash.stand")}</label>
        <select id="dash-stand" data-testid="dash-stand" data-focus-key="dash-stand">
          ${stands.map((s) => html`<option value="${s.slug}" ${s.slug === this.slug ? "selected" : ""}>${nameOf(s)}</option>`)}
        </select></p>` : ""}
      <section class="stand-box dash-box" aria-labelledby="dash-leads-title" data-testid="leads">
        <div class="dash-head"><h3 id="dash-leads-title">${t("dash.leads")}</h3>
          <a class="button" href="${paths.leadsCsv(this.slug)}" download="leads.csv" data-testid="leads-csv">${t("dash.csv")}</a>
          <button type="button" class="button" data-refresh data-testid="dash-refresh">${t("dash.refresh")}</button></div>
        <div class="dash-leads">
          <div data-part="leads"><p class="notice notice-loading" role="status">${t("dash.loading")}</p></div>
          <div data-part="lead" aria-live="polite"></div>
        </div>
      </section>
      <section class="stand-box dash-box" aria-labelledby="dash-slots-title" data-testid="availability">
        <h3 id="dash-slots-title">${t("dash.slots")}</h3>
        ${this.slotForm(zone)}
        <h4>${t("dash.freeSlots")}</h4>
        <div data-part="slots"></div>
      </section>
      <section class="stand-box dash-box" aria-labelledby="dash-figures-title" data-testid="analytics">
        <h3 id="dash-figures-title">${t("dash.figures", { days: DAYS })}</h3>
        <div data-part="analytics"></div>
      </section>
      <section class="stand-box dash-box" aria-labelledby="dash-texts-title" data-testid="stand-texts">
        <h3 id="dash-texts-title">${t("dash.texts")}</h3>
        ${this.textsForm()}
      </section>
      <pv-stand-team stand="${this.slug}"></pv-stand-team>
    </div>`);
  }

  part(name, markup) {
    const element = this.querySelector(`[data-part="${name}"]`);
    if (element && markup !== null) render(element, markup);
  }

  // --- leads ---------------------------------------------------------------------------------

  leadList(leads) {
    if (!leads.length) return html`<p class="room-empty" data-testid="leads-empty">${t("dash.noLeads")}</p>`;
    return html`<ul class="lead-list">${leads.map((lead) => html`<li>
      <button type="button" class="lead-item" data-lead="${lead.id}" data-testid="lead" data-focus-key="lead-${lead.id}"
        aria-pressed="${String(lead.id === this.leadId)}">
        <span class="lead-name">${lead.visitor.name}</span>
        ${this.details(lead.visitor)}
        <span class="lead-meta"><span class="lead-status" data-testid="lead-status">${t(`dash.status.${lead.status}`)}</span>
          · ${t("dash.lastContact", { when: dayMomentIn(lead.updated_at, this.zone()) })}</span>
      </button></li>`)}</ul>`;
  }

  /** Email, organisation, country: each only when the visitor consented to share it. */
  details(visitor) {
    const shown = ["email", "organisation", "country"].filter((key) => visitor[key]);
    return shown.length ? html`<span class="lead-details" data-testid="lead-details">${shown.map((key) => visitor[key]).join(" · ")}</span>` : "";
  }

  markChosen() {
    for (const button of this.querySelectorAll("[data-lead]")) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.lead) === this.leadId));
    }
  }

  leadDetail(lead) {
    const zone = this.zone();
    return html`<article class="lead-detail" data-testid="lead-detail" aria-labelledby="lead-title">
      <h4 id="lead-title" tabindex="-1">${lead.visitor.name}</h4>
      ${this.details(lead.visitor)}
      <p><label for="lead-status">${t("dash.statusLabel")}</label>
        <select id="lead-status" data-lead-status="${lead.id}" data-testid="lead-status-select" data-focus-key="lead-status">
          ${STATUSES.map((s) => html`<option value="${s}" ${s === lead.status ? "selected" : ""}>${t(`dash.status.${s}`)}</option>`)}
        </select></p>
      <h5>${t("dash.history")}</h5>
      <ol class="lead-history" data-testid="lead-history">${lead.history.map((event) => html`<li>
        <time datetime="${event.at}">${dayMomentIn(event.at, zone)}</time> ${this.sentence(event, lead)}</li>`)}</ol>
      <h5>${t("dash.chat")}</h5>
      ${lead.chat.length ? html`<ul class="lead-chat" data-testid="lead-chat">${lead.chat.map((m) => html`<li>
        <time datetime="${m.at}">${momentIn(m.at, zone)}</time> <strong>${this.who(m.user, lead)}:</strong> ${m.text}</li>`)}</ul>`
        : html`<p class="room-empty">${t("dash.noChat")}</p>`}
      <form class="lead-note" data-note="${lead.id}" data-testid="note-form">
        <label for="lead-note">${t("dash.note")}</label>
        <textarea id="lead-note" name="text" rows="2" maxlength="2000" required data-focus-key="lead-note"></textarea>
        <p class="form-error" data-note-error role="alert"></p>
        <button type="submit" class="button">${t("dash.addNote")}</button>
      </form>
    </article>`;
  }

  /** A staff member's name, else the visitor's (the only other person on a lead). */
  who(id, lead) {
    return this.staffNames.get(id) || lead.visitor.name;
  }

  staffName(id) {
    return this.staffNames.get(id) || t("dash.colleague");
  }

  /** One history event as a sentence: `kind` is a code (server/expo/models.py: LeadEventKind). */
  sentence({ kind, actor, data }, lead) {
    const name = lead.visitor.name;
    const zone = this.zone();
    switch (kind) {
      case "contact_request":
        return data.message ? t("dash.ev.requestSaid", { name, message: data.message }) : t("dash.ev.request", { name });
      case "answered":
        return t("dash.ev.answered", { who: this.staffName(actor), seconds: Math.round(data.seconds ?? 0) });
      case "missed": // why: a code (server/expo/models.py: MissReason), worded here
        return t(`dash.ev.missed.${data.reason}`);
      case "call":
        return t("dash.ev.call");
      case "meeting":
        return t("dash.ev.meeting", { name, when: dayMomentIn(data.start, zone), mode: t(`dash.mode.${data.mode}`) });
      case "meeting_cancelled":
        return t("dash.ev.meetingCancelled", { who: this.staffNames.get(actor) || name, when: dayMomentIn(data.start, zone) });
      case "badge_scan":
        return t("dash.ev.scan", { who: this.staffName(actor) });
      case "note":
        return t("dash.ev.note", { who: this.staffName(actor), text: data.text });
      case "status":
        return t("dash.ev.status", { who: this.staffName(actor), status: t(`dash.status.${data.status}`) });
      case "consent":
        return data.share?.length
          ? t("dash.ev.consent", { name, what: data.share.map((key) => t(`dash.share.${key}`)).join(", ") })
          : t("dash.ev.withdrawn", { name });
      default:
        return kind;
    }
  }

  async setStatus(select) {
    const id = Number(select.dataset.leadStatus);
    select.disabled = true;
    try {
      await patchJSON(paths.lead(this.slug, id), { status: select.value });
      await Promise.all([this.loadLeads(), this.openLead(id)]);
      this.querySelector("#lead-status")?.focus();
    } catch (error) {
      select.disabled = false;
      this.querySelector("[data-note-error]").textContent = error.message;
    }
  }

  async addNote(form) {
    const id = Number(form.dataset.note);
    const text = form.elements.text.value.trim();
    if (!text) return;
    form.querySelector("button").disabled = true;
    try {
      await postJSON(paths.leadNotes(this.slug, id), { text });
      await this.openLead(id);
      this.loadLeads();
      this.querySelector("#lead-note")?.focus();
    } catch (error) {
      form.querySelector("button").disabled = false;
      form.querySelector("[data-note-error]").textContent = error.message;
    }
  }

  // --- availability --------------------------------------------------------------------------

  slotForm(zone) {
    return html`<form class="slot-form" data-slot-form data-testid="slot-form" novalidate>
      <p class="slot-zone" data-testid="slot-zone">${t("dash.slotZone", { zone })}</p>
      <div class="slot-fields">
        <label>${t("dash.slotDate")} <input type="date" name="date" required data-focus-key="slot-date"></label>
        <label>${t("dash.slotFrom")} <input type="time" name="start" required data-focus-key="slot-start"></label>
        <label>${t("dash.slotTo")} <input type="time" name="end" required data-focus-key="slot-end"></label>
        <label>${t("dash.slotMode")} <select name="mode" data-focus-key="slot-mode">
          <option value="online">${t("dash.mode.online")}</option>
          <option value="onsite">${t("dash.mode.onsite")}</option></select></label>
        <button type="submit" class="button button-primary">${t("dash.publish")}</button>
      </div>
      <p class="form-error" role="alert" data-slot-error data-testid="slot-error"></p>
    </form>`;
  }

  async publish(form) {
    const { date, start, end, mode } = Object.fromEntries(new FormData(form));
    const error = form.querySelector("[data-slot-error]");
    if (!date || !start || !end) {
      error.textContent = t("dash.slotMissing");
      return;
    }
    const slot = { start: `${date}T${start}`, end: `${date}T${end}`, mode, tz: this.zone() };
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await postJSON(paths.slots(this.slug), { slots: [slot] });
      error.textContent = "";
      form.reset();
      await this.loadSlots();
    } catch (problem) {
      error.textContent = problem.message; // the server's own, naming the field
    } finally {
      button.disabled = false;
    }
  }

  slotList(slots) {
    const zone = this.zone();
    if (!slots.length) return html`<p class="room-empty" data-testid="slots-empty">${t("dash.noSlots")}</p>`;
    const when = (s) => `${formatShortDay(dateIn(Date.parse(s.start), zone))}, ${wallTime(s.start, zone)}–${momentIn(s.end, zone)}`;
    return html`<ul class="slot-list">${slots.map((s) => html`<li data-testid="slot">${when(s)} · ${t(`dash.mode.${s.mode}`)} · ${s.staff.name}</li>`)}</ul>`;
  }

  // --- the stand's texts ---------------------------------------------------------------------

  textsForm() {
    return html`<form class="texts-form" data-texts-form data-testid="texts-form">
      <label for="dash-text-en">${t("dash.textEn")}</label>
      <textarea id="dash-text-en" name="en" rows="4" maxlength="5000" required data-focus-key="text-en"></textarea>
      <label for="dash-text-ru">${t("dash.textRu")}</label>
      <textarea id="dash-text-ru" name="ru" rows="4" maxlength="5000" required lang="ru" data-focus-key="text-ru"></textarea>
      <p class="form-error" role="alert" data-texts-error data-testid="texts-error"></p>
      <p class="texts-saved" role="status" data-texts-saved data-testid="texts-saved"></p>
      <button type="submit" class="button">${t("dash.saveTexts")}</button>
    </form>`;
  }

  async saveTexts(form) {
    const en = form.elements.en.value.trim();
    const ru = form.elements.ru.value.trim();
    const error = form.querySelector("[data-texts-error]");
    const saved = form.querySelector("[data-texts-saved]");
    saved.textContent = "";
    if (!en || !ru) {
      error.textContent = t("dash.textsMissing");
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await patchJSON(paths.stand(this.slug), { description: { en, ru } });
      error.textContent = "";
      saved.textContent = t("dash.textsSaved");
    } catch (problem) {
      error.textContent = problem.message;
    } finally {
      button.disabled = false;
    }
  }

  // --- analytics -----------------------------------------------------------------------------

  figures(report) {
    const days = report.days;
    const sum = (key) => days.reduce((total, day) => total + (day[key] || 0), 0);
    const totals = ["visits", "minutes_on_stand", "contact_requests", "answered", "missed", "meetings_booked", "badge_scans"];
    return html`<p class="dash-zone">${t("dash.daysIn", { zone: report.tz })}</p>
      <dl class="dash-totals" data-testid="totals">${totals.map((key) => html`<div data-total="${key}">
        <dt>${t(`dash.col.${key}`)}</dt><dd>${Math.round(sum(key) * 10) / 10}</dd></div>`)}</dl>
      ${this.chart(days)}
      <details class="dash-table">
        <summary>${t("dash.asTable")}</summary>
        ${this.table(days)}
      </details>`;
  }

  chart(days) {
    const most = Math.max(1, ...days.map((d) => d.visits));
    const width = days.length * BAR_W;
    return html`<svg class="dash-chart" viewBox="0 0 ${width} ${CHART_H + 20}" role="img"
        aria-label="${t("dash.chartLabel", { total: days.reduce((n, d) => n + d.visits, 0) })}" data-testid="visits-chart">
      ${days.map((d, i) => {
        const h = Math.round((d.visits / most) * (CHART_H - 16));
        const x = i * BAR_W + 6;
        return html`<g><rect x="${x}" y="${CHART_H - h}" width="${BAR_W - 12}" height="${h}" class="dash-bar"></rect>
          <text x="${x + (BAR_W - 12) / 2}" y="${CHART_H - h - 4}" text-anchor="middle">${d.visits}</text>
          <text x="${x + (BAR_W - 12) / 2}" y="${CHART_H + 14}" text-anchor="middle" class="dash-day">${d.date.slice(8)}</text></g>`;
      })}
    </svg>`;
  }

  table(days) {
    const columns = ["visits", "unique_visitors", "minutes_on_stand", "contact_requests", "answered", "missed",
      "median_seconds_to_answer", "meetings_booked", "badge_scans"];
    return html`<table data-testid="analytics-table">
      <caption class="visually-hidden">${t("dash.figures", { days: days.length })}</caption>
      <thead><tr><th scope="col">${t("dash.col.date")}</th>${columns.map((c) => html`<th scope="col">${t(`dash.col.${c}`)}</th>`)}</tr></thead>
      <tbody>${days.map((d) => html`<tr data-date="${d.date}"><th scope="row">${formatShortDay(d.date)}</th>
        ${columns.map((c) => html`<td data-col="${c}">${d[c] ?? "—"}</td>`)}</tr>`)}</tbody>
    </table>`;
  }

  // --- events --------------------------------------------------------------------------------

  onChange(event) {
    const target = event.target;
    if (target.id === "dash-stand") {
      this.slug = target.value;
      this.leadId = null;
      this.drawFrame();
      this.refresh();
    } else if (target.dataset.leadStatus) {
      this.setStatus(target);
    }
  }

  onSubmit(event) {
    const form = event.target;
    if (form.dataset.note) {
      event.preventDefault();
      this.addNote(form);
    } else if (form.hasAttribute("data-slot-form")) {
      event.preventDefault();
      this.publish(form);
    } else if (form.hasAttribute("data-texts-form")) {
      event.preventDefault();
      this.saveTexts(form);
    }
  }

  onClick(event) {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.lead) this.openLead(Number(button.dataset.lead));
    else if (button.hasAttribute("data-refresh")) this.refresh();
  }
}

customElements.define("pv-stand-dashboard", PvStandDashboard);
