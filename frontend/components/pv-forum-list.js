// <pv-forum-list>: the forums on this server, shown when the URL names none.
// With a single forum it goes straight to that forum's program.

import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";
import { hrefFor, navigate } from "../state.js";
import { formatDateRange } from "../time.js";

class PvForumList extends HTMLElement {
  connectedCallback() {
    this.forums = null;
    this.failure = null;
    this.loadedLang = null;
    i18n.addEventListener("change", () => this.update());
  }

  async update() {
    if (this.hidden) return;
    if (this.loadedLang === lang()) {
      this.draw();
      return;
    }
    this.loadedLang = lang();
    this.forums = null;
    this.failure = null;
    this.draw();
    try {
      this.forums = await getJSON(paths.forums(), { lang: lang() });
    } catch (error) {
      this.failure = error;
    }
    if (this.forums && this.forums.length === 1) {
      navigate({ forum: this.forums[0].slug }, { replace: true });
      return;
    }
    this.draw();
  }

  draw() {
    document.title = t("app.name");
    if (this.failure) {
      render(this, html`<p class="notice notice-error" role="alert">
        ${t("forums.error", { message: this.failure.message })}</p>`);
      return;
    }
    if (!this.forums) {
      render(this, html`<p class="notice notice-loading" role="status">${t("forums.loading")}</p>`);
      return;
    }
    render(this, html`<section class="forum-list" aria-labelledby="forums-title">
      <h2 id="forums-title">${t("forums.title")}</h2>
      ${this.forums.length === 0
        ? html`<p class="notice">${t("forums.empty")}</p>`
        : html`<ul>${this.forums.map((forum) => html`<li class="card">
            <a href="${hrefFor({ forum: forum.slug, marathon: null })}">${forum.name}</a>
            <p>${t("forum.dates", { dates: formatDateRange(forum.starts_on, forum.ends_on), city: forum.city })}</p>
            ${forum.tagline ? html`<p class="muted">${forum.tagline}</p>` : ""}
          </li>`)}</ul>`}
    </section>`);
  }
}

customElements.define("pv-forum-list", PvForumList);
