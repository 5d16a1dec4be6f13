// <pv-badge>: "My badge" (`view=badge`) for the forum in the URL — the forum's name, the
// person's name and organisation and the QR code the door scans, ready to print (the print
// stylesheet shows the badge alone). Badges are for people with a confirmed on-site seat;
// anyone else is told so and pointed to the program.
//
// The QR image is an <img> of the API's SVG: same origin, so the session cookie rides along.

import { account, known, me, refresh as refreshAccount } from "../account.js";
import { getJSON, paths } from "../api.js";
import { html, render } from "../html.js";
import { t } from "../i18n.js";
import { current, hrefFor } from "../state.js";

class PvBadge extends HTMLElement {
  connectedCallback() {
    this._forum = null;
    this.badge = null;
    this.key = null;
    this.failure = null;
    this.qrFailed = false;
    this.addEventListener("click", (event) => this.onClick(event));
    // `error` does not bubble: listen in the capture phase for the QR image failing.
    this.addEventListener("error", (event) => this.onImageError(event), true);
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
  }

  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  /** Shown, or the URL or the person changed: ask again for another forum or person. */
  update({ opened = false } = {}) {
    document.title = `${t("myBadge.title")} — ${this._forum ? this._forum.name : t("app.name")}`;
    const person = me();
    const key = person && this._forum ? `${this._forum.slug}|${person.id}` : null;
    if (key && key !== this.key) {
      this.load(key, opened);
      return;
    }
    this.draw();
    if (opened) this.focusTitle();
  }

  async load(key, focus) {
    Object.assign(this, { key, badge: null, failure: null, qrFailed: false });
    this.draw();
    try {
      const found = await getJSON(paths.badge(this._forum.slug));
      if (key !== this.key) return;
      this.badge = found;
    } catch (error) {
      if (key !== this.key) return;
      this.failure = error;
      if (error.status === 401) refreshAccount(); // signed out meanwhile
    }
    this.draw();
    if (focus) this.focusTitle();
  }

  onClick(event) {
    if (event.target.closest("[data-print]")) window.print();
    if (event.target.closest("[data-retry]")) {
      this.key = null;
      this.update();
    }
  }

  onImageError(event) {
    if (!event.target.matches?.("[data-qr]")) return;
    this.qrFailed = true;
    this.draw();
  }

  focusTitle() {
    this.querySelector("#badge-title")?.focus();
  }

  draw() {
    render(this, html`<section class="wrap badge-page" aria-labelledby="badge-title" data-testid="badge-page">
      <a class="back-link" href="${hrefFor({ view: null })}" data-focus-key="back"><span
        aria-hidden="true">←</span> ${t("session.back")}</a>
      <div class="section-head">
        <h2 id="badge-title" tabindex="-1" data-focus-key="badge-title">${t("myBadge.title")}</h2>
      </div>
      ${this.body()}
    </section>`);
  }

  body() {
    if (!known()) return html`<p class="notice notice-loading" role="status">${t("myBadge.loading")}</p>`;
    if (!me() || this.failure?.status === 401) {
      return html`<div class="empty-state" data-testid="badge-signin">
        <p>${t("myBadge.signIn")}</p>
        <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="badge-signin">${t("account.signIn")}</a>
      </div>`;
    }
    if (this.failure?.status === 404) return this.none();
    if (this.failure?.details?.reason === "revoked") {
      return html`<div class="notice notice-error" role="alert" data-testid="badge-revoked">
        <p>${t("myBadge.revoked")}</p>
      </div>`;
    }
    if (this.failure) {
      return html`<div class="notice notice-error" role="alert">
        <p>${t("myBadge.error", { message: this.failure.message })}</p>
        <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
      </div>`;
    }
    if (!this.badge) return html`<p class="notice notice-loading" role="status">${t("myBadge.loading")}</p>`;
    return this.card(this.badge);
  }

  /** No confirmed on-site seat at this forum: why there is no badge, and where to get a seat. */
  none() {
    return html`<div class="empty-state" data-testid="badge-none">
      <p>${t("myBadge.none")}</p>
      <a class="button" href="${hrefFor({ view: null, session: null, marathon: null })}"
        data-focus-key="badge-program">${t("myBadge.toProgram")}</a>
    </div>`;
  }

  card(badge) {
    return html`<p class="badge-intro no-print">${t("myBadge.intro")}</p>
      <article class="badge-card" data-testid="badge-card" data-token="${badge.token}"
          aria-label="${t("myBadge.label")}">
        <p class="badge-card-forum">${this._forum.name}</p>
        <p class="badge-card-name" data-testid="badge-name">${badge.name}</p>
        ${badge.organisation ? html`<p class="badge-card-org" data-testid="badge-organisation">${badge.organisation}</p>` : ""}
        ${this.qrFailed
          ? html`<p class="form-error" role="alert">${t("myBadge.qrFailed")}</p>`
          : html`<img class="badge-card-qr" data-qr data-testid="badge-qr" src="${badge.svg}"
              width="240" height="240" alt="${t("myBadge.qr", { name: badge.name })}">`}
      </article>
      <p class="badge-actions no-print">
        <button type="button" class="button button-primary" data-print data-focus-key="print">${t("myBadge.print")}</button>
        <a class="button" href="${badge.png}" download data-focus-key="png">${t("myBadge.png")}</a>
      </p>`;
  }
}

customElements.define("pv-badge", PvBadge);
