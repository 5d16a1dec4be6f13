// <pv-app>: the shell. Loads the forum named in the URL and shows the program, one session
// (the `session` URL parameter), a marathon day (`marathon`) or an account page (`view`:
// signin, signup, forgot, password, agenda, account, a mailed invitation's invite; for the forum in the URL: badge, door, editor, roles; for the `session`: its
// attendance, its live room, a speaker's backstage or the moderator's stage console), keeping
// header and footer in step. The showrooms (`view`: showrooms, pavilion, stand, exhibitor)
// belong to the whole server, not to a forum. A session opened from a marathon or from the
// agenda keeps `marathon` or `view=agenda` in the URL, so "back" returns there; the sign-in
// and sign-up forms lie over any page, and signing in returns to it.

import { refresh as refreshAccount } from "../account.js";
import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";
import { current, followLink, hrefFor, navigate, state } from "../state.js";

/** Every page, by its name in the URL (`view`): each is the element `<pv-NAME>`. */
const PAGES = [
  "program",
  "session",
  "marathon",
  "agenda",
  "badge",
  "door",
  "editor",
  "attendance",
  "room",
  "backstage",
  "console",
  "showrooms",
  "pavilion",
  "stand",
  "exhibitor",
  "invite",
  "signin",
  "signup",
  "forgot",
  "password",
  "account",
  "roles",
];

const FORMS = new Set(["signin", "signup", "forgot", "password"]);

/** The showrooms' pages: the hall, a pavilion, a stand, a stand's staff desk. */
const SHOWROOM_PAGES = new Set(["showrooms", "pavilion", "stand", "exhibitor"]);

/**
 * Pages that need no forum loaded (the agenda spans forums; the forms belong to none; the
 * showrooms are the whole server's).
 */
const FORUMLESS_PAGES = new Set([...FORMS, "agenda", "invite", "account", ...SHOWROOM_PAGES]);

/** Pages of the forum in the URL that belong to no session. */
const FORUM_PAGES = new Set(["badge", "door", "editor", "roles"]);

/** Pages of one session besides the session itself. */
const SESSION_PAGES = new Set(["attendance", "room", "backstage", "console"]);

/** Pages that hold rooms, a camera or a stream while shown: paused when another is shown
 * (the program, a session and the agenda hear their forums' rooms). */
const LIVE_PAGES = ["program", "session", "agenda", "door", "room", "backstage", "console", ...SHOWROOM_PAGES];

/**
 * Which page the state asks for: a form over a showroom page over a session's attendance or
 * room over a session over the agenda (or the badge, the door) over a marathon.
 */
function viewOf({ view, session, marathon }) {
  if (FORMS.has(view) || SHOWROOM_PAGES.has(view) || view === "invite") return view;
  if (session) return SESSION_PAGES.has(view) ? view : "session";
  if (view === "agenda" || view === "account" || FORUM_PAGES.has(view)) return view;
  return marathon ? "marathon" : "program";
}

class PvApp extends HTMLElement {
  connectedCallback() {
    this.forum = null;
    this.forumKey = null;
    this.failure = null;
    this.scrolls = {}; // where each page was scrolled to when the person left it
    this.lastSession = null;
    this.lastMarathon = null;
    this.lastPavilion = null;
    this.lastStand = null;
    this.view = null;
    this.beforeForms = null; // the state the person opened sign-in or sign-up from
    this.innerHTML = `
      <a class="skip-link" href="#main" data-skip></a>
      <pv-header></pv-header>
      <main id="main" tabindex="-1">
        <div class="shell-status"></div>
        <pv-forum-list hidden></pv-forum-list>
        ${PAGES.map((name) => `<pv-${name} hidden></pv-${name}>`).join("")}
      </main>
      <pv-toasts></pv-toasts>
      <pv-footer></pv-footer>`;
    this.header = this.querySelector("pv-header");
    this.status = this.querySelector(".shell-status");
    this.list = this.querySelector("pv-forum-list");
    this.pages = Object.fromEntries(PAGES.map((name) => [name, this.querySelector(`pv-${name}`)]));
    this.program = this.pages.program;
    this.session = this.pages.session;
    this.marathon = this.pages.marathon;
    this.footer = this.querySelector("pv-footer");
    this.main = this.querySelector("main");
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("pv-signed-in", () => this.afterSignIn());
    this.addEventListener("pv-forum-changed", () => {
      this.forumKey = null; // the editor changed the forum's settings: its name, dates, zone
      this.load();
    });
    // A mailed invitation links to `/?invite=TOKEN`: its page is `view=invite`.
    if (current().invite && !current().view) navigate({ view: "invite" }, { replace: true });
    state.addEventListener("change", (event) => this.onState(event.detail));
    i18n.addEventListener("change", () => this.renderSkip());
    this.renderSkip();
    // The parts must be upgraded before properties are set on them, or an own property
    // would hide their setters.
    const parts = [
      "pv-header", "pv-forum-list", "pv-program", "pv-session", "pv-registration", "pv-marathon",
      "pv-agenda", "pv-badge", "pv-door", "pv-editor", "pv-attendance", "pv-stage-player", "pv-room",
      "pv-backstage", "pv-console", "pv-lightbox", "pv-private-chat", "pv-contact", "pv-showrooms",
      "pv-pavilion", "pv-stand", "pv-exhibitor", "pv-invite", "pv-invitations", "pv-signin",
      "pv-signup", "pv-forgot", "pv-password", "pv-account", "pv-roles", "pv-notices", "pv-toasts", "pv-footer",
    ];
    Promise.all(parts.map((name) => customElements.whenDefined(name))).then(() => {
      refreshAccount();
      this.load();
    });
  }

  renderSkip() {
    this.querySelector(".skip-link").textContent = t("app.skip");
  }

  onClick(event) {
    if (event.target.closest("[data-skip]")) {
      event.preventDefault();
      this.main.focus();
      return;
    }
    if (event.target.closest("[data-retry-forum]")) {
      this.forumKey = null;
      this.load();
      return;
    }
    followLink(event);
  }

  onState({ previous, changed }) {
    const left = viewOf(previous);
    if (left !== viewOf(current())) this.scrolls[left] = window.scrollY;
    if (!FORMS.has(left) && FORMS.has(viewOf(current()))) this.beforeForms = previous;
    if (changed.has("session") && previous.session !== null) {
      this.lastSession = previous.session;
    }
    if (changed.has("marathon") && previous.marathon !== null) {
      this.lastMarathon = previous.marathon;
    }
    if (changed.has("pavilion") && previous.pavilion !== null) this.lastPavilion = previous.pavilion;
    if (changed.has("stand") && previous.stand !== null) this.lastStand = previous.stand;
    this.load();
  }

  /**
   * Signed in (or up): back to the page the form was opened from, in the language and zone
   * chosen meanwhile. The form's own history entry is replaced: "back" should not reopen it.
   */
  afterSignIn() {
    const { lang: language, tz } = current();
    navigate({ ...(this.beforeForms || { view: null }), lang: language, tz }, { replace: true });
    this.beforeForms = null;
  }

  /** Fetch the forum when the URL names another one (or the language changed). */
  async load() {
    const { forum } = current();
    const key = `${forum}|${lang()}`;
    if (key === this.forumKey) {
      this.show();
      return;
    }
    this.forumKey = key;
    this.failure = null;
    if (!forum) {
      this.forum = null;
      this.show();
      return;
    }
    if (!this.forum || this.forum.slug !== forum) {
      this.forum = null;
      this.show();
    }
    try {
      const found = await getJSON(paths.forum(forum), { lang: lang() });
      if (key !== this.forumKey) return;
      this.forum = found;
    } catch (error) {
      if (key !== this.forumKey) return;
      this.forum = null;
      this.failure = error;
    }
    this.show();
  }

  show() {
    const { forum } = current();
    const pages = [...FORUM_PAGES, ...SESSION_PAGES].map((name) => this.pages[name]);
    for (const part of [this.header, this.footer, this.program, this.session, this.marathon, ...pages]) {
      part.forum = this.forum;
    }
    this.header.update();
    const view = viewOf(current());
    if (FORUMLESS_PAGES.has(view)) {
      this.list.hidden = true;
      render(this.status, "");
      this.showPage(view);
      return;
    }
    this.list.hidden = Boolean(forum);
    if (!forum) {
      this.hidePages();
      render(this.status, "");
      this.list.update();
      return;
    }
    if (!this.forum) {
      this.hidePages();
      render(this.status, this.failure
        ? html`<div class="notice notice-error" role="alert">
            <p>${t("forum.error", { message: this.failure.message })}</p>
            <p class="actions">
              <button type="button" class="button" data-retry-forum>${t("program.retry")}</button>
              <a class="button button-quiet" href="${hrefFor({ forum: null, marathon: null, session: null, date: null, venue: null, type: null, format: null })}">${t("forums.all")}</a>
            </p>
          </div>`
        : html`<p class="notice notice-loading" role="status">${t("forum.loading")}</p>`);
      return;
    }
    render(this.status, "");
    this.showPage(view);
  }

  showPage(view) {
    const from = this.view;
    this.view = view;
    const pages = this.pages;
    for (const [name, page] of Object.entries(pages)) page.hidden = name !== view;
    if (view !== "marathon") this.marathon.pause();
    for (const name of LIVE_PAGES) if (view !== name) pages[name].pause();
    if (view === "program") document.title = `${t("program.title")} — ${this.forum.name}`;
    pages[view].update({ opened: from !== view });
    if (from === "session" && SESSION_PAGES.has(view)) {
      window.scrollTo(0, 0); // the attendance page and the room put focus on their own title
    } else if (from === "attendance" && view === "session") {
      this.returnTo(this.session, view, "[data-attendance-link]");
    } else if (from === "room" && view === "session") {
      this.returnTo(this.session, view, "[data-room-link]");
    } else if ((from === "backstage" || from === "console") && view === "room") {
      this.returnTo(pages.room, view, `[data-focus-key="${from}-link"]`);
    } else if (from === "session" && view !== "session" && !FORMS.has(view)) {
      this.returnTo(pages[view], view, `a[data-session-id="${CSS.escape(this.lastSession || "")}"]`);
    } else if (from === "stand" && (view === "pavilion" || view === "showrooms")) {
      this.returnTo(pages[view], view, `a[data-stand-link="${CSS.escape(this.lastStand || "")}"]`);
    } else if (from === "pavilion" && view === "showrooms") {
      this.returnTo(pages[view], view, `a[data-pavilion-link="${CSS.escape(this.lastPavilion || "")}"]`);
    } else if (from === "marathon" && view === "program") {
      this.returnTo(this.program, view, `a[data-marathon-link="${CSS.escape(this.lastMarathon || "")}"]`);
    } else if (FORMS.has(from) && !FORMS.has(view)) {
      // Back from signing in: where the person was, with focus at the top of that page (the
      // form that held it is gone).
      window.scrollTo(0, this.scrolls[view] || 0);
      (pages[view].querySelector("h2[tabindex]") || this.main).focus({ preventScroll: true });
    } else if (from && from !== view) {
      window.scrollTo(0, 0);
    }
  }

  hidePages() {
    this.view = null;
    for (const page of Object.values(this.pages)) page.hidden = true;
    this.marathon.pause();
    for (const name of LIVE_PAGES) this.pages[name].pause();
  }

  /** Back to a page: its old scroll position, focus on the link that was followed from it. */
  returnTo(page, view, selector) {
    const scroll = this.scrolls[view] || 0;
    requestAnimationFrame(() => {
      window.scrollTo(0, scroll);
      (page.querySelector(selector) || this.main).focus({ preventScroll: true });
    });
  }
}

customElements.define("pv-app", PvApp);
