// <pv-session>: one session's page — when (in the viewer's zone and the host city's), where,
// who, how many places, the site visit's meeting point, a link to add it to a calendar, and
// the registration panel (<pv-registration>, one element kept across redraws of the page),
// for signed-in people a link into the session's live room, and for the forum's organisers
// and the session's moderators a link to its attendance list.
//
// The page follows the session as it changes: when the forum's room says the session moved,
// went live or ended (`program.changed` naming it, `session.status`), it is fetched again; for
// those signed out, every minute (program-feed.js). The forum's room, not the session's: being
// in a session's room counts as being in its audience.

import { account, me } from "../account.js";
import { getJSON, paths, withQuery } from "../api.js";
import { sessionBadges, sessionKicker } from "../badges.js";
import { html, render } from "../html.js";
import { has, lang, t } from "../i18n.js";
import { ProgramFeed } from "../program-feed.js";
import { current, hrefFor, viewerZone } from "../state.js";
import { formatDay, formatDuration, instantNear, timeRange, wallDate } from "../time.js";

class PvSession extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.session = null;
    this.key = null;
    this.failure = null;
    this.registration = document.createElement("pv-registration");
    this.feed = new ProgramFeed(() => this.refresh(), { relevant: (push) => this.concerns(push) });
    this.addEventListener("click", (event) => {
      if (event.target.closest("[data-retry]")) {
        this.key = null;
        this.update();
      }
    });
    // Signing in or out shows or hides the room and attendance links.
    account.addEventListener("change", () => {
      if (this.hidden) return;
      this.follow();
      if (this.session) this.draw();
    });
  }

  /** Whether a push from the forum's room is about this session. */
  concerns(push) {
    const id = Number(current().session);
    const data = push.data || {};
    if (push.type === "program.changed") return (data.sessions || []).includes(id);
    if (push.type === "session.status") return data.session === id;
    if (push.type === "marathon.handover") return [data.from, data.to].some((who) => who && who.session === id);
    return false;
  }

  follow() {
    this.feed.follow(this._forum && current().session ? [`forum:${this._forum.slug}`] : []);
  }

  /** Hidden: hear no rooms for a page nobody sees. */
  pause() {
    this.feed.stop();
  }

  /** The session changed: fetch it again, showing the old one meanwhile. */
  refresh() {
    const id = current().session;
    if (this.key && id && this.session && !this.hidden) this.load(this.key, id, false, { quiet: true });
  }

  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  update() {
    const id = current().session;
    if (!this._forum || !id) return;
    this.follow();
    const key = `${this._forum.slug}|${id}|${viewerZone()}|${lang()}`;
    if (key === this.key) {
      this.draw();
      return;
    }
    const firstOfThisSession = !this.key || !this.key.startsWith(`${this._forum.slug}|${id}|`);
    this.key = key;
    this.load(key, id, firstOfThisSession);
  }

  /** `quiet`: a refresh of what is shown (a failure keeps the session as it was). */
  async load(key, id, focus, { quiet = false } = {}) {
    if (!quiet) {
      this.failure = null;
      if (focus) this.session = null;
      this.draw();
    }
    try {
      const found = await getJSON(paths.session(this._forum.slug, id), { tz: viewerZone(), lang: lang() });
      if (key !== this.key) return;
      this.session = found;
      this.failure = null;
    } catch (error) {
      if (key !== this.key) return;
      if (quiet) return;
      this.failure = error;
    }
    this.draw();
    if (focus && this.session) this.querySelector("#session-title")?.focus();
  }

  back() {
    return html`<a class="back-link" href="${hrefFor({ session: null })}" data-testid="back"
      data-focus-key="back"><span aria-hidden="true">←</span> ${t(backKey())}</a>`;
  }

  /** Render the page, then put the registration panel (and any focus inside it) back in. */
  renderWithPanel(markup) {
    const active = document.activeElement;
    const focusInPanel = this.registration.contains(active) ? active : null;
    render(this, markup);
    this.querySelector("[data-registration-slot]").replaceWith(this.registration);
    this.registration.session = this.session;
    focusInPanel?.focus({ preventScroll: true });
  }

  draw() {
    if (this.failure) {
      render(this, html`<div class="wrap session-page">${this.back()}
        <div class="notice notice-error" role="alert">
          <p>${t("session.error", { message: this.failure.message })}</p>
          <button type="button" class="button" data-retry>${t("program.retry")}</button>
        </div></div>`);
      return;
    }
    if (!this.session) {
      render(this, html`<div class="wrap session-page">${this.back()}
        <p class="notice notice-loading" role="status">${t("session.loading")}</p></div>`);
      return;
    }
    const s = this.session;
    document.title = `${s.title} — ${this._forum.name}`;
    this.renderWithPanel(html`<article class="wrap session-page status-${s.status}" aria-labelledby="session-title"
        data-testid="session-page" data-slug="${s.slug}">
      ${this.back()}
      <header class="session-header" style="--track:${s.track ? s.track.color : "var(--accent)"}">
        ${sessionKicker(s)}
        <h2 id="session-title" tabindex="-1" data-focus-key="session-title">${s.title}</h2>
        ${sessionBadges(s)}
      </header>
      <div class="session-layout">
        <div class="session-body">
          <section aria-labelledby="about-title">
            <h3 id="about-title">${t("session.about")}</h3>
            ${s.abstract
              ? s.abstract.split(/\n{2,}/).map((para) => html`<p class="abstract">${para}</p>`)
              : html`<p class="muted">${t("session.noAbstract")}</p>`}
          </section>
          ${this.siteVisit(s)}
          <section aria-labelledby="speakers-title">
            <h3 id="speakers-title">${t("session.speakers")}</h3>
            ${s.speakers.length
              ? html`<ul class="speakers" data-testid="speakers">${s.speakers.map((p) => this.speaker(p))}</ul>`
              : html`<p class="muted">${t("session.noSpeakers")}</p>`}
          </section>
        </div>
        <div class="session-side">
          <div data-registration-slot></div>
          ${this.roomLink()}
          <aside class="session-facts" aria-label="${t("session.yourTime")}">
            ${this.facts(s)}
            <a class="button button-primary calendar-link" data-testid="add-to-calendar"
              href="${withQuery(paths.sessionIcs(this._forum.slug, s.id), { lang: lang() })}"
              download>${t("session.addToCalendar")}</a>
            <p class="fine-print">${t("session.calendarHint")}</p>
          </aside>
          ${this.staffLink(s)}
        </div>
      </div>
    </article>`);
  }

  /** The live room: anyone signed in may try; the room itself tells who may not enter. */
  roomLink() {
    if (!me()) return "";
    return html`<div class="session-room">
      <a class="button button-primary" href="${hrefFor({ view: "room" })}" data-room-link
        data-testid="room-link" data-focus-key="room">${t("room.enter")}</a>
      <p class="fine-print">${t("room.enterHint")}</p>
    </div>`;
  }

  /** The attendance list, for organisers of this forum and moderators of this session; the
   * server decides anyway. */
  staffLink(s) {
    const roles = me()?.roles || [];
    const { forum } = current();
    const allowed = roles.some((grant) => (grant.role === "organiser" && grant.forum_slug === forum)
      || (grant.role === "moderator" && grant.session === s.id));
    if (!allowed) return "";
    return html`<p class="session-staff"><a class="button" href="${hrefFor({ view: "attendance" })}"
      data-attendance-link data-testid="attendance-link" data-focus-key="attendance">${t("attendance.link")}</a></p>`;
  }

  facts(s) {
    const showHost = s.host.tz !== s.viewer.tz;
    const places = [];
    if (s.format !== "online") {
      places.push(t("session.capacityOnsite", { count: this.seats(s.capacity.onsite) }));
    }
    if (s.format !== "onsite") {
      places.push(t("session.capacityOnline", { count: this.seats(s.capacity.online) }));
    }
    const languageKey = `language.${s.language}`;
    return html`<dl class="facts">
      <div>
        <dt>${t("session.yourTime")}</dt>
        <dd><span class="fact-day">${formatDay(wallDate(s.viewer.start))}</span>
          <span class="fact-time" data-testid="viewer-time">${timeRange(s.viewer)}</span>
          <span class="muted fact-zone">${formatDuration(s.duration_minutes)} · ${s.viewer.tz}</span></dd>
      </div>
      ${showHost ? html`<div>
        <dt>${t("session.hostTime", { city: s.host.city })}</dt>
        <dd><span class="fact-day">${formatDay(wallDate(s.host.start))}</span>
          <span class="fact-time" data-testid="host-time">${timeRange(s.host)}</span>
          <span class="muted fact-zone">${s.host.tz}</span></dd>
      </div>` : ""}
      <div>
        <dt>${t("session.venue")}</dt>
        <dd>${s.venue
          ? html`<span>${s.venue.name}</span>
            <span class="muted">${t(`kind.${s.venue.kind}`)}${s.venue.address ? html` · ${s.venue.address}` : ""}</span>`
          : t("session.online")}</dd>
      </div>
      <div>
        <dt>${t("session.format")}</dt>
        <dd>${t(`badge.${s.format}`)}</dd>
      </div>
      <div>
        <dt>${t("session.access")}</dt>
        <dd>${t(`access.${s.access}`)}</dd>
      </div>
      <div>
        <dt>${t("session.language")}</dt>
        <dd>${has(languageKey) ? t(languageKey) : s.language}</dd>
      </div>
      <div>
        <dt>${t("session.capacity")}</dt>
        <dd data-testid="capacity">${places.map((line) => html`<span>${line}</span>`)}</dd>
      </div>
    </dl>`;
  }

  seats(count) {
    return count === null || count === undefined
      ? t("session.unlimited")
      : t("session.seats", { count });
  }

  speaker(p) {
    const country = p.country ? this.countryName(p.country) : "";
    const about = [p.position, p.organisation, country].filter(Boolean).join(", ");
    return html`<li class="speaker">
      <span class="avatar" aria-hidden="true">${initials(p.name)}</span>
      <div class="speaker-text">
        <p class="speaker-name">${p.name}</p>
        ${about ? html`<p class="speaker-about">${about}</p>` : ""}
        <p class="speaker-tags">
          <span class="tag tag-role">${t(`role.${p.role}`)}</span>
          <span class="tag tag-${p.presence}" data-presence="${p.presence}">${t(`presence.${p.presence}`)}</span>
        </p>
      </div>
    </li>`;
  }

  countryName(code) {
    try {
      return new Intl.DisplayNames([lang()], { type: "region" }).of(code) || code;
    } catch {
      return code;
    }
  }

  siteVisit(s) {
    const visit = s.site_visit;
    if (!visit) return "";
    const showHost = s.host.tz !== s.viewer.tz;
    return html`<section class="site-visit" aria-labelledby="visit-title" data-testid="site-visit">
      <h3 id="visit-title">${t("session.siteVisit")}</h3>
      <dl class="facts facts-inline">
        <div><dt>${t("session.departurePoint")}</dt><dd>${visit.departure_point}</dd></div>
        <div><dt>${t("session.departure")}</dt>
          <dd>${formatDay(wallDate(visit.viewer))}, ${instantNear(visit.viewer, s.viewer)}
          ${showHost ? html`<span class="muted">${s.host.city}: ${instantNear(visit.host, s.host)}</span>` : ""}</dd></div>
      </dl>
    </section>`;
  }
}

/** Where "back" goes: the marathon or the agenda the session was opened from, else the program. */
function backKey() {
  const { marathon, view } = current();
  if (view === "agenda") return "session.backToAgenda";
  return marathon ? "session.backToMarathon" : "session.back";
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toLocaleUpperCase())
    .join("");
}

customElements.define("pv-session", PvSession);
