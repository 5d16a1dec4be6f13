// <pv-agenda>: "My agenda" (`view=agenda`) — the sessions the signed-in person registered for,
// day by day in the viewer's zone with the host city's time beside it (as the program shows
// them), how they take part and where their registration stands, a site visit's departure,
// and a warning where two of them overlap; a link to the badge of each forum where the person
// holds a confirmed on-site seat.
//
// Each agenda entry names its forum (by slug), so a session links to its page in its own forum.
//
// The agenda follows its sessions: when a forum's room says one of them moved, went live or
// ended (`program.changed` naming it, `session.status`), it is fetched again (program-feed.js).

import { account, known, me } from "../account.js";
import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { lang, ordinal, t } from "../i18n.js";
import { ProgramFeed } from "../program-feed.js";
import { current, hrefFor, viewerZone } from "../state.js";
import {
  deadlineIn,
  endsNextDay,
  formatDay,
  formatShortDay,
  instantNear,
  timeRange,
  timeWithZone,
  wallDate,
} from "../time.js";

/** The agenda's sessions by the viewer's calendar day, in the agenda's order (soonest first). */
function byDay(sessions) {
  const days = new Map();
  for (const item of sessions) {
    const date = wallDate(item.viewer.start);
    if (!days.has(date)) days.set(date, []);
    days.get(date).push(item);
  }
  return [...days].map(([date, items]) => ({ date, items }));
}

class PvAgenda extends HTMLElement {
  connectedCallback() {
    this.data = null;
    this.key = null;
    this.failure = null;
    this.feed = new ProgramFeed(() => this.refresh(), { relevant: (push) => this.concerns(push) });
    this.addEventListener("click", (event) => {
      if (event.target.closest("[data-retry]")) this.retry();
    });
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  /** Shown, or the URL or the person changed: fetch again for another zone, language or person. */
  update({ opened = false } = {}) {
    document.title = `${t("agenda.title")} — ${t("app.name")}`;
    const person = me();
    const key = person ? `${person.id}|${viewerZone()}|${lang()}` : null;
    if (key && key !== this.key) {
      this.load(key, opened);
      return;
    }
    this.follow();
    this.draw();
    if (opened) this.focusTitle();
  }

  retry() {
    this.key = null;
    this.update();
  }

  /** Hidden: hear no rooms for a page nobody sees. */
  pause() {
    this.feed.stop();
  }

  /** The forums' rooms of the sessions shown (signed in only: the agenda is nobody else's). */
  follow() {
    const forums = this.data && me() ? [...new Set(this.data.sessions.map((item) => item.forum))] : [];
    this.feed.follow(forums.map((forum) => `forum:${forum}`));
  }

  /** Whether a push names one of the agenda's sessions. */
  concerns(push) {
    const ids = new Set((this.data?.sessions || []).map((item) => item.session));
    const data = push.data || {};
    if (push.type === "program.changed") return (data.sessions || []).some((id) => ids.has(id));
    if (push.type === "session.status") return ids.has(data.session);
    return false;
  }

  /** One of its sessions changed: fetch the agenda again, showing the old one meanwhile. */
  refresh() {
    if (this.key && this.data && !this.hidden) this.load(this.key, false, { quiet: true });
  }

  /** `quiet`: a refresh of what is shown (a failure keeps the agenda as it was). */
  async load(key, focus, { quiet = false } = {}) {
    this.key = key;
    if (!quiet) {
      this.failure = null;
      this.draw();
    }
    try {
      const found = await getJSON(paths.agenda(), { tz: viewerZone(), lang: lang() });
      if (key !== this.key) return;
      this.data = found;
      this.failure = null;
    } catch (error) {
      if (key !== this.key || quiet) return;
      this.failure = error;
    }
    this.draw();
    this.follow();
    if (focus) this.focusTitle();
  }

  focusTitle() {
    this.querySelector("#agenda-title")?.focus();
  }

  draw() {
    render(this, html`<section class="wrap agenda-page" aria-labelledby="agenda-title" data-testid="agenda-page">
      ${this.back()}
      <div class="section-head">
        <h2 id="agenda-title" tabindex="-1" data-focus-key="agenda-title">${t("agenda.title")}</h2>
        ${me() ? html`<p class="zone-note">${t("agenda.zoneNote", { zone: viewerZone() })}</p>` : ""}
      </div>
      ${this.body()}
    </section>`);
  }

  back() {
    const key = current().marathon ? "session.backToMarathon" : "session.back";
    return html`<a class="back-link" href="${hrefFor({ view: null, session: null })}" data-focus-key="back"
      data-testid="agenda-back"><span aria-hidden="true">←</span> ${t(key)}</a>`;
  }

  body() {
    if (!known()) return html`<p class="notice notice-loading" role="status">${t("agenda.loading")}</p>`;
    if (!me()) {
      return html`<div class="empty-state" data-testid="agenda-signin">
        <p>${t("agenda.signIn")}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="agenda-signin">${t("account.signIn")}</a>
      </div>`;
    }
    if (this.failure) {
      return html`<div class="notice notice-error" role="alert">
        <p>${t("agenda.error", { message: this.failure.message })}</p>
        <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
      </div>`;
    }
    const data = this.data && this.key && this.key.startsWith(`${me().id}|`) ? this.data : null;
    if (!data) return html`<p class="notice notice-loading" role="status">${t("agenda.loading")}</p>`;
    if (data.sessions.length === 0) return this.empty();
    return html`${this.badgeLinks(data.sessions)}${byDay(data.sessions).map((day) => this.day(day, data.sessions))}`;
  }

  /** "My badge" for each forum where the person holds a confirmed on-site seat (badges need one). */
  badgeLinks(sessions) {
    const seated = sessions.filter((item) => item.mode === "onsite" && item.status === "confirmed");
    const forums = [...new Set(seated.map((item) => item.forum))];
    if (forums.length === 0) return "";
    const label = (forum) => (forums.length === 1 ? t("agenda.badge") : t("agenda.badgeFor", { forum }));
    return html`<p class="agenda-badges">${forums.map((forum) => html`<a class="button"
      href="${hrefFor({ forum, view: "badge", session: null, marathon: null, date: null, venue: null, type: null, format: null })}"
      data-testid="agenda-badge-link" data-focus-key="badge-${forum}">${label(forum)}</a>`)}</p>`;
  }

  empty() {
    return html`<div class="empty-state" data-testid="agenda-empty">
      <p>${t("agenda.empty")}</p>
      <a class="button" href="${hrefFor({ view: null, session: null, marathon: null })}"
        data-focus-key="agenda-program">${t("agenda.toProgram")}</a>
    </div>`;
  }

  day({ date, items }, all) {
    return html`<div class="day agenda-day">
      <div class="day-head">
        <h3 id="agenda-day-${date}">${formatDay(date)}</h3>
        <p class="day-count">${t("agenda.count", { count: items.length })}</p>
      </div>
      <ol class="sessions" aria-labelledby="agenda-day-${date}">${items.map((item) => this.row(item, all))}</ol>
    </div>`;
  }

  row(item, all) {
    const overlapping = item.overlaps.length > 0;
    return html`<li class="session agenda-item${overlapping ? " has-overlap" : ""}" data-testid="agenda-item"
        data-session="${item.session}" data-status="${item.status}" data-mode="${item.mode}">
      ${this.times(item)}
      <div class="session-main">
        <h4 class="session-title">${this.title(item)}</h4>
        ${overlapping ? this.overlaps(item, all) : ""}
        ${this.detail(item)}
      </div>
      <div class="session-badges"><ul class="badges">
        <li class="badge badge-mode-${item.mode}" data-testid="agenda-mode">${t(`format.${item.mode}`)}</li>
        <li class="badge badge-reg-${item.status}" data-testid="agenda-status">${t(`registration.status.${item.status}`)}</li>
      </ul></div>
    </li>`;
  }

  times(item) {
    const { viewer, host } = item;
    const showHost = host.tz !== viewer.tz;
    const hostOtherDay = showHost && wallDate(host.start) !== wallDate(viewer.start);
    return html`<div class="session-time">
      <p class="viewer-time"><time datetime="${item.starts_at}" data-testid="viewer-time">${timeRange(viewer)}</time>${
        endsNextDay(viewer) ? html` <span class="next-day">${t("program.nextDay")}</span>` : ""}</p>
      ${showHost ? html`<p class="host-time" title="${t("program.hostTime")}">
        <span class="visually-hidden">${t("program.hostTime")}: </span><span class="globe" aria-hidden="true"></span><span
          data-testid="host-time">${host.city} ${timeWithZone(host.start, host.tz, host.abbr, host.utc_offset)}</span>${
          hostOtherDay ? html` <span class="host-day">(${formatShortDay(wallDate(host.start))})</span>` : ""}
      </p>` : ""}
    </div>`;
  }

  /** A link to the session's page in its own forum. */
  title(item) {
    return html`<a href="${hrefFor({ forum: item.forum, session: item.session, view: "agenda" })}" data-session-link
      data-session-id="${item.session}">${item.title}</a>`;
  }

  overlaps(item, all) {
    const titles = item.overlaps
      .map((id) => all.find((other) => other.session === id))
      .filter(Boolean)
      .map((other) => other.title);
    return html`<p class="overlap-warning" data-testid="agenda-overlap"><span class="warning-mark"
      aria-hidden="true">!</span>${t("agenda.overlaps", { titles: titles.join("; ") })}</p>`;
  }

  detail(item) {
    return html`${this.place(item)}${this.departure(item)}`;
  }

  /** Where the registration stands, when that needs more words than its badge. */
  place(item) {
    if (item.status === "waitlisted") {
      return html`<p class="agenda-detail">${t("registration.position", { position: ordinal(item.position) })}</p>`;
    }
    if (item.status === "offered" && item.offer_expires_at) {
      return html`<p class="agenda-detail">${t("agenda.offeredUntil", { deadline: deadlineIn(item.offer_expires_at, item.viewer) })}</p>`;
    }
    return "";
  }

  /** A site visit's bus: when (in the viewer's zone) and from where. */
  departure(item) {
    const bus = item.departure;
    if (!bus) return "";
    return html`<p class="agenda-detail" data-testid="agenda-departure">${t("agenda.departure", {
      time: instantNear(bus.viewer, item.viewer),
      point: bus.point,
    })}</p>`;
  }
}

customElements.define("pv-agenda", PvAgenda);
