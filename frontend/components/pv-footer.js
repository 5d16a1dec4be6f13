// <pv-footer>: "Subscribe / export" — the whole program as iCalendar, frab and JSON-LD.

import { paths, withQuery } from "../api.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";

class PvFooter extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    i18n.addEventListener("change", () => this.draw());
    this.draw();
  }

  set forum(value) {
    if (value === this._forum) return;
    this._forum = value;
    this.draw();
  }

  get forum() {
    return this._forum;
  }

  draw() {
    const forum = this._forum;
    const q = { lang: lang() };
    render(this, html`<footer class="site-footer">
      <div class="wrap footer-inner">
        ${forum ? html`<section class="exports" aria-labelledby="export-title">
          <h2 id="export-title">${t("export.title")}</h2>
          <ul>
            <li><a href="${withQuery(paths.programIcs(forum.slug), q)}" data-testid="export-ics">${t("export.ics")}</a></li>
            <li><a href="${withQuery(paths.schedule(forum.slug), q)}" data-testid="export-frab">${t("export.frab")}</a></li>
            <li><a href="${withQuery(paths.jsonld(forum.slug), q)}" data-testid="export-jsonld">${t("export.jsonld")}</a></li>
            <li><a href="/docs">${t("export.api")}</a></li>
          </ul>
        </section>` : ""}
        <p class="colophon"><strong>${t("app.name")}</strong> — ${t("app.tagline")}</p>
      </div>
    </footer>`);
  }
}

customElements.define("pv-footer", PvFooter);
