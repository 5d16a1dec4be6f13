// <pv-program>: the program day by day, in the viewer's zone, filtered by venue, type and format.
//
// The whole program is fetched once per forum, zone and language (the server caches it);
// the day and the filters are applied here, so switching them is instant and the day tabs
// can say how many sessions each day holds under the current filters.

import { getJSON, paths } from "../api.js";
import { sessionBadges, sessionKicker } from "../badges.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { current, hrefFor, navigate, viewerZone } from "../state.js";
import {
  daysBetween,
  endsNextDay,
  formatDay,
  formatDuration,
  formatShortDay,
  timeRange,
  timeWithZone,
  wallDate,
  zoneLabel,
} from "../time.js";

const TYPES = [
  "strategic_session", "plenary", "panel", "round_table", "expert_session", "practical_session",
  "project_defence", "site_visit", "workshop", "networking", "concert",
];
const FORMATS = ["onsite", "online", "hybrid"];

class PvProgram extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.data = null;
    this.dataKey = null;
    this.loadingKey = null;
    this.failure = null;
    this.marathons = [];
    this.marathonsKey = null;
    this.addEventListener("change", (event) => this.onFilter(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("submit", (event) => event.preventDefault());
  }

  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  /** The URL changed: fetch again for another forum, zone or language, else just redraw. */
  update() {
    if (!this._forum) return;
    const key = `${this._forum.slug}|${viewerZone()}|${lang()}`;
    if (key !== this.dataKey && key !== this.loadingKey) this.load(key);
    const listKey = `${this._forum.slug}|${lang()}`;
    if (listKey !== this.marathonsKey) this.loadMarathons(listKey);
    this.draw();
  }

  /** The forum's marathons, for the banner above the days (their titles follow the language). */
  async loadMarathons(key) {
    this.marathonsKey = key;
    let found = [];
    try {
      found = await getJSON(paths.marathons(this._forum.slug), { lang: lang() });
    } catch {
      // The banner is only a way in: without it the program still stands, so no error here.
    }
    if (key !== this.marathonsKey) return;
    this.marathons = found;
    this.draw();
  }

  async load(key) {
    this.loadingKey = key;
    this.failure = null;
    try {
      const data = await getJSON(paths.program(this._forum.slug), { tz: viewerZone(), lang: lang() });
      if (key !== this.loadingKey) return;
      this.data = data;
      this.dataKey = key;
    } catch (error) {
      if (key !== this.loadingKey) return;
      this.failure = error;
      this.dataKey = null;
    }
    this.loadingKey = null;
    this.draw();
  }

  onFilter(event) {
    const select = event.target.closest("select[data-filter]");
    if (select) navigate({ [select.dataset.filter]: select.value || null, session: null });
  }

  onClick(event) {
    if (event.target.closest("[data-clear-filters]")) {
      navigate({ venue: null, type: null, format: null });
      this.querySelector('[data-testid="filter-venue"]')?.focus();
    } else if (event.target.closest("[data-retry]")) {
      this.dataKey = null;
      this.update();
    }
  }

  matches(session) {
    const { venue, type, format } = current();
    if (venue && (!session.venue || session.venue.slug !== venue)) return false;
    if (type && session.type !== type) return false;
    if (format && session.format !== format) return false;
    return true;
  }

  /** The day to show: the one in the URL, else today (in the viewer's zone), else the first. */
  selectedDay(days) {
    const asked = current().date;
    if (days.some((day) => day.date === asked)) return asked;
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: viewerZone() }).format(new Date());
    if (days.some((day) => day.date === today)) return today;
    return days.length ? days[0].date : null;
  }

  draw() {
    if (this.hidden && this.data) return;
    const busy = this.loadingKey !== null;
    this.setAttribute("aria-busy", String(busy));
    if (this.failure) {
      render(this, this.frame(html`<div class="notice notice-error" role="alert">
        <p>${t("program.error", { message: this.failure.message })}</p>
        <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
      </div>`));
      return;
    }
    if (!this.data) {
      render(this, this.frame(html`<p class="notice notice-loading" role="status">${t("program.loading")}</p>`));
      return;
    }
    render(this, this.frame(this.body(busy)));
  }

  frame(content) {
    return html`<section class="program wrap" aria-labelledby="program-title">
      <div class="section-head">
        <h2 id="program-title">${t("program.title")}</h2>
        ${this.zoneNote()}
      </div>
      ${content}
    </section>`;
  }

  zoneNote() {
    const zone = viewerZone();
    const days = this.data ? this.data.days : [];
    const day = days.find((d) => d.date === this.selectedDay(days));
    const sample = day && day.sessions[0];
    if (!sample || sample.viewer.tz !== zone) {
      return html`<p class="zone-note">${t("program.zoneNoteShort", { zone })}</p>`;
    }
    return html`<p class="zone-note">${t("program.zoneNote", {
      zone,
      abbr: zoneLabel(sample.viewer.abbr, sample.viewer.utc_offset),
      offset: sample.viewer.utc_offset,
    })}</p>`;
  }

  body(busy) {
    const days = this.data.days;
    if (days.length === 0) return html`<p class="notice">${t("program.emptyAll")}</p>`;
    const selected = this.selectedDay(days);
    const day = days.find((d) => d.date === selected);
    const shown = day.sessions.filter((s) => this.matches(s));
    return html`
      ${this.marathonBanner()}
      ${this.dayTabs(days, selected)}
      ${this.filters()}
      <div class="day" ${busy ? html`data-busy` : ""}>
        <div class="day-head">
          <h3 id="day-title">${formatDay(selected)}</h3>
          <p class="day-count" role="status">${shown.length === day.sessions.length
            ? t("program.count", { count: shown.length })
            : t("program.countOf", { shown: shown.length, total: t("program.count", { count: day.sessions.length }) })}</p>
        </div>
        ${shown.length
          ? html`<ol class="sessions" aria-labelledby="day-title">${shown.map((s) => this.row(s))}</ol>`
          : html`<div class="empty-state" data-testid="empty-state">
              <p>${t("program.empty", { day: formatDay(selected, { inSentence: true }) })}</p>
              <button type="button" class="button" data-clear-filters data-focus-key="clear">${t("program.clear")}</button>
            </div>`}
      </div>`;
  }

  marathonBanner() {
    if (this.marathons.length === 0) return "";
    return html`<nav class="marathon-banner" aria-label="${t("marathon.banner")}" data-testid="marathon-banner">
      <ul>${this.marathons.map((m) => html`<li>
        <span class="globe" aria-hidden="true"></span>
        <span class="marathon-banner-text">
          <span class="kicker-type">${t("marathon.kicker")} · ${formatShortDay(m.date)}</span>
          <a href="${hrefFor({ marathon: m.slug, session: null })}" data-marathon-link="${m.slug}"
            data-focus-key="marathon-${m.slug}">${m.title}</a>
          <span class="marathon-banner-pitch">${t("marathon.pitch")}</span>
        </span>
        <span class="marathon-banner-go" aria-hidden="true">→</span>
      </li>`)}</ul>
    </nav>`;
  }

  dayTabs(days, selected) {
    const start = this._forum.starts_on;
    const length = daysBetween(start, this._forum.ends_on) + 1;
    return html`<nav class="day-tabs" aria-label="${t("program.days")}">
      <ul>${days.map((day) => {
        const n = daysBetween(start, day.date) + 1;
        const count = day.sessions.filter((s) => this.matches(s)).length;
        return html`<li><a href="${hrefFor({ date: day.date, session: null })}" data-date="${day.date}"
            data-focus-key="day-${day.date}" ${day.date === selected ? html`aria-current="date"` : ""}>
          ${n >= 1 && n <= length ? html`<span class="tab-kicker">${t("program.dayN", { n })}</span>` : ""}
          <span class="tab-date">${formatShortDay(day.date)}</span>
          <span class="tab-count"><span aria-hidden="true">${count}</span><span
            class="visually-hidden">${t("program.count", { count })}</span></span>
        </a></li>`;
      })}</ul>
    </nav>`;
  }

  filters() {
    const { venue, type, format } = current();
    const present = new Set(this.data.days.flatMap((d) => d.sessions.map((s) => s.type)));
    const types = TYPES.filter((name) => present.has(name) || name === type);
    const venues = this._forum.venues || [];
    const any = venue || type || format;
    const select = (name, all, options) => html`<div class="field">
      <label for="filter-${name}">${t(`filter.${name}`)}</label>
      <select id="filter-${name}" data-filter="${name}" data-testid="filter-${name}" data-focus-key="filter-${name}">
        <option value="">${all}</option>
        ${options.map(([value, label]) => html`<option value="${value}" ${value === current()[name] ? html`selected` : ""}>${label}</option>`)}
      </select>
    </div>`;
    return html`<form class="filters" role="search" aria-label="${t("filter.legend")}">
      ${select("venue", t("filter.allVenues"), venues.map((v) => [v.slug, v.name]))}
      ${select("type", t("filter.allTypes"), types.map((name) => [name, t(`type.${name}`)]))}
      ${select("format", t("filter.allFormats"), FORMATS.map((name) => [name, t(`format.${name}`)]))}
      ${any ? html`<button type="button" class="button button-quiet" data-clear-filters data-focus-key="clear-top">${t("program.clear")}</button>` : ""}
    </form>`;
  }

  row(session) {
    const viewer = session.viewer;
    const host = session.host;
    const showHost = host.tz !== viewer.tz;
    const hostOtherDay = showHost && wallDate(host.start) !== wallDate(viewer.start);
    const speakers = session.speakers.map((p) => p.name).join(", ");
    return html`<li class="session status-${session.status}" data-session-slug="${session.slug}"
        data-format="${session.format}" data-type="${session.type}" data-venue="${session.venue ? session.venue.slug : ""}"
        style="--track:${session.track ? session.track.color : "transparent"}">
      <div class="session-time">
        <p class="viewer-time"><time datetime="${session.starts_at}" data-testid="viewer-time">${timeRange(viewer)}</time>${
          endsNextDay(viewer) ? html` <span class="next-day">${t("program.nextDay")}</span>` : ""}</p>
        <p class="duration">${formatDuration(session.duration_minutes)}</p>
        ${showHost ? html`<p class="host-time" title="${t("program.hostTime")}">
          <span class="visually-hidden">${t("program.hostTime")}: </span><span class="globe" aria-hidden="true"></span><span
            data-testid="host-time">${host.city} ${timeWithZone(host.start, host.tz, host.abbr, host.utc_offset)}</span>${
            hostOtherDay ? html` <span class="host-day">(${formatShortDay(wallDate(host.start))})</span>` : ""}
        </p>` : ""}
      </div>
      <div class="session-main">
        ${sessionKicker(session)}
        <h4 class="session-title"><a href="${hrefFor({ session: session.id })}" data-session-link
          data-session-id="${session.id}">${session.title}</a></h4>
        ${speakers ? html`<p class="session-speakers">${speakers}</p>` : ""}
      </div>
      <div class="session-badges">${sessionBadges(session)}</div>
    </li>`;
  }
}

customElements.define("pv-program", PvProgram);
