// <pv-marathon>: a marathon day — a relay of live segments, each hosted from a capital, on one
// stream. A timeline of the day with "now", what is live and what is next, the local time in
// every capital (east to west), and the running order; each segment links to its session.
//
// "Now" is the server's: the answer's `now` advanced by the browser's monotonic clock since
// the answer arrived, never the machine's wall clock (it may be wrong, and tests run the
// server on a fixed clock). The day is fetched again when its rooms say it changed (a re-plan,
// a segment going live, a handover: `marathon:{id}` and `forum:{slug}`, program-feed.js), or
// every minute for those signed out; the labels move on every 15 seconds in between.
//
// The forum's organisers and the live segment's moderators get its controls (*Delay…*,
// *End now*: <pv-marathon-controls>, kept outside the page's drawing so that a redraw while
// its dialog is open leaves it alone).

import { account, me } from "../account.js";
import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { ProgramFeed } from "../program-feed.js";
import { current, hrefFor, viewerZone } from "../state.js";
import {
  endsNextDay,
  formatDay,
  formatDuration,
  formatShortDay,
  instantIn,
  timeRange,
  timeWithZone,
  wallDate,
  wallTime,
  zoneAt,
  zoneLabel,
} from "../time.js";
import "./pv-marathon-controls.js";

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const TICK_MS = 15_000;
const DAY_MINUTES = 24 * 60;

const ms = (iso) => Date.parse(iso);
const isoOf = (instant) => new Date(instant).toISOString();

/** Where a segment stands at `now` (the server's own rule, so both agree right after a fetch). */
function stateAt(segment, now) {
  if (segment.status === "cancelled") return "cancelled";
  if (now < ms(segment.starts_at)) return "scheduled";
  if (now < ms(segment.ends_at)) return "live";
  return "ended";
}

function phaseOf(segments, live, next, now) {
  if (segments.length === 0) return "empty";
  if (live) return "live";
  if (!next) return "after";
  return segments.some((s) => s.state !== "cancelled" && ms(s.starts_at) <= now) ? "handover" : "before";
}

/** The stretch the timeline covers: the hub's window, widened to any segment outside it. */
function spanOf(data) {
  const starts = data.segments.map((s) => ms(s.starts_at));
  const ends = data.segments.map((s) => ms(s.ends_at));
  return {
    start: Math.min(ms(data.hub.start), ...starts),
    end: Math.max(ms(data.hub.end), ...ends),
  };
}

function percent(instant, span) {
  return ((instant - span.start) / (span.end - span.start)) * 100;
}

function width(segment, span) {
  return ((ms(segment.ends_at) - ms(segment.starts_at)) / (span.end - span.start)) * 100;
}

/** Every full hour of `zone` within the span (zones may be a half or a quarter hour off UTC). */
function hourTicks(span, zone) {
  let at = Math.ceil(span.start / QUARTER) * QUARTER;
  while (at <= span.end && !wallTime(isoOf(at), zone).endsWith(":00")) at += QUARTER;
  const ticks = [];
  for (; at <= span.end; at += HOUR) ticks.push(at);
  return ticks;
}

/** "+05:30" → 330, "-03:00" → -180. */
function offsetMinutes(offset) {
  const [hours, minutes] = offset.slice(1).split(":").map(Number);
  return (offset.startsWith("-") ? -1 : 1) * (hours * 60 + (minutes || 0));
}

/** One entry per host city, east to west (highest UTC offset first; ties keep the day's order). */
function capitals(segments) {
  const byCity = new Map();
  for (const s of segments) {
    const key = `${s.city}|${s.host.tz}`;
    if (!byCity.has(key)) byCity.set(key, s);
  }
  return [...byCity.values()].sort(
    (a, b) => offsetMinutes(b.host.utc_offset) - offsetMinutes(a.host.utc_offset),
  );
}

const startOf = (times) => timeWithZone(times.start, times.tz, times.abbr, times.utc_offset);
const endOf = (times) => timeWithZone(times.end, times.tz, times.end_abbr, times.end_utc_offset);

class PvMarathon extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.data = null;
    this.key = null;
    this.loading = false; // any fetch in flight
    this.busy = false; // a fetch the person asked for (another zone or language), not a refresh
    this.failure = null;
    this.stale = null; // a failed background refresh: the last answer is still shown
    this.receivedAt = 0;
    this.signature = null;
    this.liveId = undefined; // undefined: nothing announced yet for this marathon
    this.timers = [];
    this.feed = new ProgramFeed(() => this.refresh());
    this.innerHTML = `<div class="marathon-body"></div>
      <p class="visually-hidden" aria-live="polite" data-announce></p>
      <pv-marathon-controls></pv-marathon-controls>`;
    this.body = this.querySelector(".marathon-body");
    this.controls = this.querySelector("pv-marathon-controls");
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("pv-replanned", (event) => this.onReplanned(event.detail));
    // Signing in or out shows or hides the controls, and hears the rooms or polls instead.
    account.addEventListener("change", () => {
      if (this.hidden || !this.data) return;
      this.follow();
      this.signature = null;
      this.draw();
    });
  }

  onClick(event) {
    if (event.target.closest("[data-retry]")) {
      this.retry();
      return;
    }
    const action = event.target.closest("[data-marathon-action]");
    if (!action || !this.data) return;
    const live = this.view().live;
    if (!live) return;
    const context = {
      forum: this._forum.slug,
      marathon: this.data.slug,
      segment: live,
      segments: this.data.segments,
      opener: action,
    };
    if (action.dataset.marathonAction === "delay") this.controls.openDelay(context);
    else this.controls.openEnd(context);
  }

  /** A delay or an early end was recorded here: say so, and show the new day at once. */
  onReplanned({ kind, city, minutes }) {
    this.querySelector("[data-announce]").textContent = kind === "delay"
      ? t("marathon.delay.done", { city, duration: formatDuration(minutes) })
      : t("marathon.end.done", { city });
    this.refresh();
  }

  /** The rooms whose pushes change this day: its own and its forum's. */
  follow() {
    this.feed.follow(this.data && this.data.id ? [`marathon:${this.data.id}`, `forum:${this._forum.slug}`] : []);
  }

  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  /** Shown, or the URL changed: fetch for another marathon, zone or language, else redraw. */
  update() {
    const slug = current().marathon;
    if (!this._forum || !slug) return;
    this.resume();
    const key = `${this._forum.slug}|${slug}|${viewerZone()}|${lang()}`;
    if (key === this.key) {
      this.draw();
      return;
    }
    const another = !this.key || !this.key.startsWith(`${this._forum.slug}|${slug}|`);
    this.key = key;
    this.load(key, slug, { another });
  }

  /** Hidden: no timers run and no rooms are heard for a page nobody sees. */
  pause() {
    this.timers.forEach(clearInterval);
    this.timers = [];
    this.feed.stop();
    this.controls.close();
  }

  resume() {
    if (this.timers.length) return;
    this.timers = [setInterval(() => this.tick(), TICK_MS)];
    this.follow();
  }

  /** Move the labels on; an error or loading notice is left alone (it would be re-announced). */
  tick() {
    if (this.data && !this.failure) this.drawDay();
  }

  retry() {
    this.key = null;
    this.update();
  }

  /** Fetch the day again in the background; an error page waits for "Try again" instead. */
  refresh() {
    const slug = current().marathon;
    if (this.loading) {
      this.again = true; // the answer on its way may predate what changed: ask once more
      return;
    }
    if (this.key && slug && this.data && !this.failure) {
      this.load(this.key, slug, { quiet: true });
    }
  }

  async load(key, slug, { another = false, quiet = false } = {}) {
    this.loading = true;
    this.busy = !quiet;
    if (another) {
      this.data = null;
      this.liveId = undefined;
    }
    if (!quiet) {
      this.failure = null;
      this.draw();
    }
    try {
      const found = await getJSON(paths.marathon(this._forum.slug, slug), { tz: viewerZone(), lang: lang() });
      if (key !== this.key) return;
      this.accept(found);
    } catch (error) {
      if (key !== this.key) return;
      if (quiet && this.data) this.stale = error;
      else this.failure = error;
    } finally {
      if (key === this.key) {
        this.loading = false;
        this.busy = false;
      }
    }
    this.draw();
    if (another && this.data && !this.failure) this.querySelector("#marathon-title")?.focus();
    if (this.again && !this.loading) {
      this.again = false;
      this.refresh();
    }
  }

  accept(found) {
    this.data = found;
    this.receivedAt = performance.now();
    this.failure = null;
    this.stale = null;
    if (this.timers.length) this.follow(); // shown: hear this day's rooms
  }

  /** The server's "now", moved on by the time that passed here since its answer. */
  now() {
    return ms(this.data.now) + (performance.now() - this.receivedAt);
  }

  view() {
    const now = this.now();
    const segments = this.data.segments.map((s) => ({ ...s, state: stateAt(s, now) }));
    const running = segments.filter((s) => s.state !== "cancelled");
    const live = running.find((s) => s.state === "live") || null;
    const next = running.filter((s) => ms(s.starts_at) > now)
      .sort((a, b) => ms(a.starts_at) - ms(b.starts_at))[0] || null;
    const phase = phaseOf(segments, live, next, now);
    const shape = segments.map((s) => [s.id, s.session, s.city, s.title, s.starts_at, s.ends_at, s.state]);
    return {
      now, segments, live, next, phase,
      span: spanOf(this.data),
      signature: JSON.stringify([this.key, this.data.title, shape, phase, this.busy]),
    };
  }

  draw() {
    this.setAttribute("aria-busy", String(this.busy));
    if (this.failure) {
      this.drawNotice(html`<div class="notice notice-error" role="alert">
        <p>${t("marathon.error", { message: this.failure.message })}</p>
        <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
      </div>`);
    } else if (!this.data) {
      this.drawNotice(html`<p class="notice notice-loading" role="status">${t("marathon.loading")}</p>`);
    } else {
      this.drawDay();
    }
  }

  drawNotice(content) {
    this.signature = null;
    render(this.body, html`<div class="wrap marathon-page">${this.back()}${content}</div>`);
  }

  /** The whole page when anything but the clock changed; else only the parts that tell time. */
  drawDay() {
    const view = this.view();
    document.title = `${this.data.title} — ${this._forum.name}`;
    this.announce(view);
    if (view.signature !== this.signature) {
      this.signature = view.signature;
      render(this.body, this.page(view));
      return;
    }
    const parts = {
      now: () => this.nowPanel(view),
      marker: () => this.marker(view),
      strip: () => this.stripItems(view),
    };
    for (const element of this.body.querySelectorAll("[data-part]")) {
      render(element, parts[element.dataset.part]());
    }
  }

  /** Tell screen-reader users when the stream passes to another city (not on first sight). */
  announce(view) {
    const liveId = view.live ? view.live.id : null;
    if (this.liveId !== undefined && liveId !== this.liveId) {
      this.querySelector("[data-announce]").textContent = view.live
        ? t("marathon.liveNow", { city: view.live.city })
        : this.phaseText(view);
    }
    this.liveId = liveId;
  }

  back() {
    const date = current().date || (this.data ? this.data.date : null);
    return html`<a class="back-link" href="${hrefFor({ marathon: null, session: null, date })}"
      data-testid="marathon-back" data-focus-key="back"><span aria-hidden="true">←</span> ${t("marathon.back")}</a>`;
  }

  sessionHref(segment) {
    return hrefFor({ session: segment.session });
  }

  page(view) {
    return html`<article class="wrap marathon-page" aria-labelledby="marathon-title"
        data-testid="marathon-page" data-slug="${this.data.slug}" ${this.busy ? html`data-busy` : ""}>
      ${this.back()}
      ${this.head(view)}
      ${view.phase === "empty"
        ? html`<div class="empty-state" data-testid="marathon-empty"><p>${t("marathon.empty")}</p></div>`
        : html`<div data-part="now">${this.nowPanel(view)}</div>
          ${this.timeline(view)}
          ${this.strip(view)}
          ${this.runningOrder(view)}`}
    </article>`;
  }

  head(view) {
    const facts = [formatDay(this.data.date)];
    if (view.segments.length) {
      facts.push(t("marathon.capitals", { count: capitals(view.segments).length }));
      facts.push(t("marathon.handoverMinutes", { minutes: this.data.gap_minutes }));
    }
    return html`<header class="marathon-head">
      <p class="kicker"><span class="kicker-type">${t("marathon.kicker")}</span></p>
      <h2 id="marathon-title" tabindex="-1" data-focus-key="marathon-title">${this.data.title}</h2>
      <p class="marathon-facts">${facts.join(" · ")}</p>
      <p class="marathon-intro">${t("marathon.intro")}</p>
    </header>`;
  }

  phaseText(view) {
    return t(`marathon.phase.${view.phase}`);
  }

  nowPanel(view) {
    return html`<div class="marathon-now phase-${view.phase}" data-testid="marathon-now" data-phase="${view.phase}">
      ${view.live ? this.liveLines(view.live) : html`<p class="now-phase" data-testid="phase-label">${this.phaseText(view)}</p>`}
      ${view.next ? html`<p class="now-next" data-testid="next-label">${this.nextText(view)}</p>` : ""}
      ${this.stale ? html`<p class="now-stale" data-testid="stale">${t("marathon.stale", { message: this.stale.message })}</p>` : ""}
      ${this.controlsFor(view.live)}
    </div>`;
  }

  /** Whether the person runs this segment: an organiser of the forum or its moderator (the
   * server decides anyway). */
  runs(segment) {
    const roles = me()?.roles || [];
    return roles.some((grant) => (grant.role === "organiser" && grant.forum_slug === this._forum.slug)
      || (grant.role === "moderator" && grant.session === segment.session));
  }

  controlsFor(live) {
    if (!live || !this.runs(live)) return "";
    return html`<div class="marathon-controls" role="group" aria-label="${t("marathon.controls", { city: live.city })}"
        data-testid="marathon-controls">
      <button type="button" class="button" data-marathon-action="delay" data-focus-key="control-delay"
        data-testid="delay-open">${t("marathon.delay.open")}</button>
      <button type="button" class="button button-danger" data-marathon-action="end" data-focus-key="control-end"
        data-testid="end-open">${t("marathon.end.open")}</button>
    </div>`;
  }

  liveLines(segment) {
    return html`<p class="now-live"><span class="live-dot" aria-hidden="true"></span><strong
        data-testid="live-label">${t("marathon.liveNow", { city: segment.city })}</strong>
      <span class="now-until">${t("marathon.until", { time: endOf(segment.viewer) })}</span></p>
      <p class="now-title"><a href="${this.sessionHref(segment)}" data-session-id="${segment.session}"
        data-focus-key="now-live">${segment.title}</a></p>`;
  }

  /** "Next: Cairo in 25 min"; a day or more ahead, the day and the time instead. */
  nextText({ next, now, phase }) {
    const key = phase === "before" ? "marathon.first" : "marathon.next";
    const minutes = Math.ceil((ms(next.starts_at) - now) / MINUTE);
    if (minutes < DAY_MINUTES) return t(key, { city: next.city, duration: formatDuration(minutes) });
    return t(`${key}On`, {
      city: next.city,
      day: formatDay(wallDate(next.viewer.start), { inSentence: true }),
      time: startOf(next.viewer),
    });
  }

  timeline(view) {
    const sample = view.segments[0].viewer;
    return html`<section class="marathon-section" aria-labelledby="timeline-title">
      <div class="block-head">
        <h3 id="timeline-title">${t("marathon.timeline")}</h3>
        <p class="zone-note">${t("marathon.zoneNote", { zone: this.data.tz, abbr: zoneLabel(sample.abbr, sample.utc_offset) })}</p>
      </div>
      <div class="timeline-scroll">
        <div class="timeline" data-testid="timeline">
          <ol class="timeline-ticks" aria-hidden="true">${hourTicks(view.span, this.data.tz).map((at) => html`<li
            style="left:${percent(at, view.span)}%"><span>${wallTime(isoOf(at), this.data.tz)}</span></li>`)}</ol>
          <ol class="timeline-blocks">${view.segments.map((s) => this.block(s, view.span))}</ol>
          <div class="now-layer" data-part="marker">${this.marker(view)}</div>
        </div>
      </div>
    </section>`;
  }

  block(s, span) {
    const live = s.state === "live";
    return html`<li class="mblock state-${s.state}" data-segment-id="${s.id}" data-city="${s.city}"
        style="left:${percent(ms(s.starts_at), span)}%;width:${width(s, span)}%">
      <a href="${this.sessionHref(s)}" data-session-id="${s.session}" data-focus-key="block-${s.id}"
          title="${s.title}" ${live ? html`aria-current="time"` : ""}>
        <span class="mblock-city">${s.city}</span>
        <span class="mblock-time"><span class="visually-hidden">${t("marathon.yourTime")}: </span><time
          data-testid="viewer-time" datetime="${s.starts_at}">${startOf(s.viewer)}</time></span>
        <span class="mblock-host"><span class="visually-hidden">${t("marathon.hostTime", { city: s.city })}: </span><span
          data-testid="host-time">${startOf(s.host)}</span></span>
        ${s.state === "scheduled" ? "" : html`<span class="mblock-state${live || s.state === "cancelled" ? "" : " visually-hidden"}"
          data-testid="block-state">${t(`status.${s.state}`)}</span>`}
      </a>
    </li>`;
  }

  marker({ now, span }) {
    if (now < span.start || now > span.end) return "";
    const at = percent(now, span);
    return html`<div class="now-marker${at > 85 ? " now-marker-end" : ""}" data-testid="now-marker" style="left:${at}%">
      <span class="now-label">${t("marathon.now")} ${instantIn(now, this.data.segments[0].viewer)}</span>
    </div>`;
  }

  strip(view) {
    return html`<section class="marathon-section" aria-labelledby="strip-title">
      <div class="block-head">
        <h3 id="strip-title">${t("marathon.strip")}</h3>
        <p class="zone-note">${t("marathon.eastToWest")}</p>
      </div>
      <ol class="world-strip" data-testid="world-strip" data-part="strip">${this.stripItems(view)}</ol>
    </section>`;
  }

  stripItems(view) {
    return capitals(view.segments).map((s) => {
      const live = view.live && view.live.city === s.city && view.live.host.tz === s.host.tz;
      return html`<li class="capital${live ? " is-live" : ""}" data-city="${s.city}" data-tz="${s.host.tz}" title="${s.host.tz}">
        <span class="capital-city">${s.city}${live ? html` <span class="visually-hidden">(${t("status.live")})</span>` : ""}</span>
        <span class="capital-clock"><span class="capital-time">${wallTime(isoOf(view.now), s.host.tz)}</span>
          <span class="capital-zone">${zoneAt(view.now, s.host)}</span></span>
        <span class="capital-air">${t("marathon.onAir", { range: timeRange(s.host) })}</span>
      </li>`;
    });
  }

  /** The viewer's date of a segment, where it is not the marathon's own (far east or west). */
  otherDay(times) {
    const day = wallDate(times.start);
    return day === this.data.date ? "" : html`<p class="duration">${formatShortDay(day)}</p>`;
  }

  runningOrder(view) {
    return html`<section class="marathon-section" aria-labelledby="order-title">
      <div class="block-head"><h3 id="order-title">${t("marathon.order")}</h3></div>
      <ol class="sessions">${view.segments.map((s) => this.row(s))}</ol>
    </section>`;
  }

  row(s) {
    const shortened = s.minutes !== s.planned_minutes
      ? html` <span class="muted">(${t("marathon.shortened", { minutes: s.planned_minutes })})</span>` : "";
    return html`<li class="session mrow state-${s.state}" data-segment-row="${s.id}">
      <div class="session-time">
        <p class="viewer-time"><time datetime="${s.starts_at}">${timeRange(s.viewer)}</time>${
          endsNextDay(s.viewer) ? html` <span class="next-day">${t("program.nextDay")}</span>` : ""}</p>
        ${this.otherDay(s.viewer)}
        <p class="duration">${formatDuration(s.minutes)}${shortened}</p>
        <p class="host-time"><span class="visually-hidden">${t("marathon.hostTime", { city: s.city })}: </span><span
          class="globe" aria-hidden="true"></span>${s.city} ${timeRange(s.host)}</p>
      </div>
      <div class="session-main">
        <p class="kicker"><span class="kicker-type">${t("marathon.segmentN", { n: s.position })}</span></p>
        <h4 class="session-title"><a href="${this.sessionHref(s)}" data-session-id="${s.session}"
          data-focus-key="row-${s.id}">${s.title}</a></h4>
      </div>
      <div class="session-badges">${s.state === "scheduled" ? "" : html`<ul class="badges">
        <li class="badge badge-status-${s.state}">${t(`status.${s.state}`)}</li></ul>`}</div>
    </li>`;
  }
}

customElements.define("pv-marathon", PvMarathon);
