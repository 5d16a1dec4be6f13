// <pv-app>: the shell. Loads the forum named in the URL and shows either the program or
// one session (the `session` URL parameter), keeping header and footer in step.

import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";
import { current, followLink, hrefFor, state } from "../state.js";

class PvApp extends HTMLElement {
  connectedCallback() {
    this.forum = null;
    this.forumKey = null;
    this.failure = null;
    this.programScroll = 0;
    this.lastSession = null;
    this.innerHTML = `
      <a class="skip-link" href="#main" data-skip></a>
      <pv-header></pv-header>
      <main id="main" tabindex="-1">
        <div class="shell-status"></div>
        <pv-forum-list hidden></pv-forum-list>
        <pv-program hidden></pv-program>
        <pv-session hidden></pv-session>
      </main>
      <pv-footer></pv-footer>`;
    this.header = this.querySelector("pv-header");
    this.status = this.querySelector(".shell-status");
    this.list = this.querySelector("pv-forum-list");
    this.program = this.querySelector("pv-program");
    this.session = this.querySelector("pv-session");
    this.footer = this.querySelector("pv-footer");
    this.main = this.querySelector("main");
    this.addEventListener("click", (event) => this.onClick(event));
    state.addEventListener("change", (event) => this.onState(event.detail));
    i18n.addEventListener("change", () => this.renderSkip());
    this.renderSkip();
    // The parts must be upgraded before properties are set on them, or an own property
    // would hide their setters.
    const parts = ["pv-header", "pv-forum-list", "pv-program", "pv-session", "pv-footer"];
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
    if (changed.has("session") && previous.session === null) {
      this.programScroll = window.scrollY;
    }
    if (changed.has("session") && previous.session !== null) {
      this.lastSession = previous.session;
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
    const { forum, session } = current();
    for (const part of [this.header, this.footer, this.program, this.session]) {
      part.forum = this.forum;
    }
    this.list.hidden = Boolean(forum);
    if (!forum) {
      this.program.hidden = true;
      this.session.hidden = true;
      render(this.status, "");
      this.list.update();
      return;
    }
    if (!this.forum) {
      this.program.hidden = true;
      this.session.hidden = true;
      render(this.status, this.failure
        ? html`<div class="notice notice-error" role="alert">
            <p>${t("forum.error", { message: this.failure.message })}</p>
            <p class="actions">
              <button type="button" class="button" data-retry-forum>${t("program.retry")}</button>
              <a class="button button-quiet" href="${hrefFor({ forum: null, session: null, date: null, venue: null, type: null, format: null })}">${t("forums.all")}</a>
            </p>
          </div>`
        : html`<p class="notice notice-loading" role="status">${t("forum.loading")}</p>`);
      return;
    }
    render(this.status, "");
    this.header.update();
    const wasSession = !this.session.hidden;
    this.session.hidden = !session;
    this.program.hidden = Boolean(session);
    if (session) {
      if (!wasSession) window.scrollTo(0, 0);
      this.session.update();
    } else {
      document.title = `${t("program.title")} — ${this.forum.name}`;
      this.program.update();
      if (wasSession) this.returnToProgram();
    }
  }

  /** Back from a session page: the same scroll position, focus on the session's link. */
  returnToProgram() {
    const scroll = this.programScroll;
    const id = this.lastSession;
    requestAnimationFrame(() => {
      window.scrollTo(0, scroll);
      const link = id && this.program.querySelector(`a[data-session-id="${CSS.escape(id)}"]`);
      (link || this.main).focus({ preventScroll: true });
    });
  }
}

customElements.define("pv-app", PvApp);
