// <pv-program>: the program day by day, in the viewer's zone, filtered by venue, type and format.
//
// The whole program is fetched once per forum, zone and language (the server caches it);
// the day and the filters are applied here, so switching them is instant and the day tabs
// can say how many sessions each day holds under the current filters.
//
// What is on now: sessions on air carry a "Live now" badge, and a "Now and next" strip at the
// top names them and what starts next (hidden once the forum is over, or while nothing is on
// and nothing starts within hours). "Now" is the server's clock (GET …/now), moved on here by
// the browser's monotonic clock. The program is fetched again when the forum's room says it
// changed (sessions go live and end on the server's clock; organisers move them), or every
// minute for those signed out (program-feed.js).

import { account } from "../account.js";
import { getJSON, paths } from "../api.js";
import { sessionBadges, sessionKicker } from "../badges.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { ProgramFeed } from "../program-feed.js";
import { current, hrefFor, navigate, viewerZone } from "../state.js";
import {
  daysBetween,
  endsNextDay,
  formatDay,
  formatDuration,
  formatShortDay,
  instantNear,
  timeRange,
  timeWithZone,
  wallDate,
  zoneLabel,
} from "../time.js";

const MINUTE = 60_000;
const NEAR_MS = 12 * 60 * MINUTE; // the strip shows once the next session is this close
const TICK_MS = 30_000;
const STRIP_MAX = 4; // sessions named per line of the strip; the rest are counted

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
    this.clock = null; // {now, live, next, …} from GET …/now, and when it arrived
    this.ticker = null;
    this.feed = new ProgramFeed(() => this.refresh());
    account.addEventListener("change", () => {
      if (!this.hidden) this.follow();
    });
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
    if (!this.clock || this.clock.forum !== this._forum.slug) this.loadClock();
    this.follow();
    this.ticker ??= setInterval(() => this.paintStrip(), TICK_MS);
    this.draw();
  }

  /** Hidden: hear no rooms and move no clock for a page nobody sees. */
  pause() {
    this.feed.stop();
    clearInterval(this.ticker);
    this.ticker = null;
  }

  follow() {
    this.feed.follow(this._forum ? [`forum:${this._forum.slug}`] : []);
  }

  /** Something changed in the program: fetch it (and what is on now) again, quietly. */
  refresh() {
    if (!this._forum) return;
    this.loadClock();
    if (this.loadingKey) {
      this.again = true; // the answer on its way may predate the change
      return;
    }
    if (this.dataKey) this.load(this.dataKey, { quiet: true });
  }

  /** What is on now by the server's clock; without it the strip waits (the program stands). */
  async loadClock() {
    const forum = this._forum.slug;
    try {
      const found = await getJSON(paths.now(forum));
      if (forum !== this._forum?.slug) return;
      this.clock = { ...found, receivedAt: performance.now() };
    } catch {
      return; // the strip is a help, not the page: it waits for the next change
    }
    this.paintStrip();
  }

  /** The server's "now" (ms), moved on by the time that passed here since it said. */
  now() {
    return Date.parse(this.clock.now) + (performance.now() - this.clock.receivedAt);
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

  /** `quiet`: a refresh of what is shown (no loading state; a failure keeps the old program). */
  async load(key, { quiet = false } = {}) {
    this.loadingKey = key;
    this.quiet = quiet;
    if (!quiet) this.failure = null;
    try {
      const data = await getJSON(paths.program(this._forum.slug), { tz: viewerZone(), lang: lang() });
      if (key !== this.loadingKey) return;
      this.data = data;
      this.dataKey = key;
      this.failure = null;
    } catch (error) {
      if (key !== this.loadingKey) return;
      if (!quiet || !this.data) {
        this.failure = error;
        this.dataKey = null;
      }
    }
    this.loadingKey = null;
    this.quiet = false;
    this.draw();
    if (this.again) {
      this.again = false;
      this.refresh();
    }
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

  /** The day to show: the one in the URL, else today (in the viewer's zone, by the server's
   * clock once known), else the first. */
  selectedDay(days) {
    const asked = current().date;
    if (days.some((day) => day.date === asked)) return asked;
    const instant = this.clock ? new Date(this.now()) : new Date();
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: viewerZone() }).format(instant);
    if (days.some((day) => day.date === today)) return today;
    return days.length ? days[0].date : null;
  }

  draw() {
    if (this.hidden && this.data) return;
    const busy = this.loadingKey !== null && !this.quiet;
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
      <div data-part="now-next">${this.nowNext()}</div>
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

  /** Repaint the strip alone (its "in 25 min" moves on; the program stays as it is). */
  paintStrip() {
    const strip = this.querySelector('[data-part="now-next"]');
    if (strip && !this.hidden) render(strip, this.nowNext());
  }

  /** "Now and next": what is live and what starts next, in the viewer's zone; nothing once the
   * forum is over, or while nothing is on and nothing starts within NEAR_MS. */
  nowNext() {
    if (!this.clock || !this.data || this.clock.forum !== this.data.forum || this.clock.over) return "";
    const byId = new Map(this.data.days.flatMap((day) => day.sessions).map((s) => [s.id, s]));
    const live = this.clock.live.map((id) => byId.get(id)).filter(Boolean);
    const next = this.clock.next.map((id) => byId.get(id)).filter(Boolean);
    const now = this.now();
    const startsIn = next.length ? Date.parse(next[0].starts_at) - now : Infinity;
    if (!live.length && !(startsIn <= NEAR_MS)) return "";
    return html`<section class="whats-on" aria-labelledby="now-next-title" data-testid="now-next">
      <h3 id="now-next-title" class="whats-on-title">${t("nowNext.title")}</h3>
      <div class="whats-on-line whats-on-live" data-testid="now-next-live">
        <p class="whats-on-label"><span class="live-dot" aria-hidden="true"></span>${t("nowNext.live")}</p>
        ${live.length
          ? this.stripList(live, (s) => t("nowNext.until", { time: instantNear(s.viewer.end, s.viewer) }))
          : html`<p class="muted">${t("nowNext.nothing")}</p>`}
      </div>
      ${next.length ? html`<div class="whats-on-line whats-on-soon" data-testid="now-next-next">
        <p class="whats-on-label">${t("nowNext.next", { duration: formatDuration(Math.max(1, Math.ceil(startsIn / MINUTE))) })}</p>
        ${this.stripList(next, (s) => timeWithZone(s.viewer.start, s.viewer.tz, s.viewer.abbr, s.viewer.utc_offset))}
      </div>` : ""}
    </section>`;
  }

  stripList(sessions, when) {
    const shown = sessions.slice(0, STRIP_MAX);
    const more = sessions.length - shown.length;
    return html`<ul class="whats-on-list">${shown.map((s) => html`<li>
        <a href="${hrefFor({ session: s.id })}" data-session-link data-session-id="${s.id}">${s.title}</a>
        <span class="muted">${[s.venue ? s.venue.name : "", when(s)].filter(Boolean).join(" · ")}</span>
      </li>`)}${more > 0 ? html`<li class="muted">${t("nowNext.more", { count: more })}</li>` : ""}</ul>`;
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
