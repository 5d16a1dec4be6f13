// <pv-app>: the shell. Loads the forum named in the URL and shows the program, one session
// (the `session` URL parameter) or a marathon day (`marathon`), keeping header and footer in
// step. A session opened from a marathon keeps `marathon` in the URL, so "back" returns there.

import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";
import { current, followLink, hrefFor, state } from "../state.js";

/** Which page the state asks for: a session over a marathon over the program. */
function viewOf({ session, marathon }) {
  if (session) return "session";
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
    this.view = null;
    this.innerHTML = `
      <a class="skip-link" href="#main" data-skip></a>
      <pv-header></pv-header>
      <main id="main" tabindex="-1">
        <div class="shell-status"></div>
        <pv-forum-list hidden></pv-forum-list>
        <pv-program hidden></pv-program>
        <pv-session hidden></pv-session>
        <pv-marathon hidden></pv-marathon>
      </main>
      <pv-footer></pv-footer>`;
    this.header = this.querySelector("pv-header");
    this.status = this.querySelector(".shell-status");
    this.list = this.querySelector("pv-forum-list");
    this.program = this.querySelector("pv-program");
    this.session = this.querySelector("pv-session");
    this.marathon = this.querySelector("pv-marathon");
    this.footer = this.querySelector("pv-footer");
    this.main = this.querySelector("main");
    this.addEventListener("click", (event) => this.onClick(event));
    state.addEventListener("change", (event) => this.onState(event.detail));
    i18n.addEventListener("change", () => this.renderSkip());
    this.renderSkip();
    // The parts must be upgraded before properties are set on them, or an own property
    // would hide their setters.
    const parts = ["pv-header", "pv-forum-list", "pv-program", "pv-session", "pv-marathon", "pv-footer"];
    Promise.all(parts.map((name) => customElements.whenDefined(name))).then(() => this.load());
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
    if (changed.has("session") && previous.session !== null) {
      this.lastSession = previous.session;
    }
    if (changed.has("marathon") && previous.marathon !== null) {
      this.lastMarathon = previous.marathon;
    }
    this.load();
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
    for (const part of [this.header, this.footer, this.program, this.session, this.marathon]) {
      part.forum = this.forum;
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
    this.header.update();
    const view = viewOf(current());
    const from = this.view;
    this.view = view;
    const pages = { program: this.program, session: this.session, marathon: this.marathon };
    for (const [name, page] of Object.entries(pages)) page.hidden = name !== view;
    if (view !== "marathon") this.marathon.pause();
    if (view === "program") document.title = `${t("program.title")} — ${this.forum.name}`;
    pages[view].update();
    if (from === "session" && view !== "session") {
      this.returnTo(pages[view], view, `a[data-session-id="${CSS.escape(this.lastSession || "")}"]`);
    } else if (from === "marathon" && view === "program") {
      this.returnTo(this.program, view, `a[data-marathon-link="${CSS.escape(this.lastMarathon || "")}"]`);
    } else if (from && from !== view) {
      window.scrollTo(0, 0);
    }
  }

  hidePages() {
    this.view = null;
    this.program.hidden = true;
    this.session.hidden = true;
    this.marathon.hidden = true;
    this.marathon.pause();
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
