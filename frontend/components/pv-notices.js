// <pv-notices>: the header's notices button, with how many are unread, and the panel it opens:
// every notice worded in the page's language with its times in the viewer's zone, each leading
// to its session. Opening the panel marks them read; Escape or a click elsewhere closes it and
// focus returns to the button.
//
// The header redraws its account links often (every change of the URL), which makes this
// element anew: whether the panel is open is kept here, outside any one element.

import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";
import { noticeLink, noticeText, noticeTime } from "../notice-words.js";
import { markAllRead, noticeList, notices, noticeStatus, reload, unreadCount } from "../notices.js";
import { viewerZone } from "../state.js";

let open = false;
let fresh = new Set(); // the notices that were unread when the panel was opened

class PvNotices extends HTMLElement {
  connectedCallback() {
    if (!this.listening) {
      this.listening = true;
      this.redraw = () => this.draw();
      this.outside = (event) => {
        // The path as dispatched: a redraw meanwhile may have taken the target out of the page.
        if (open && !event.composedPath().includes(this)) this.close(false);
      };
      this.addEventListener("click", (event) => this.onClick(event));
      this.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && open) {
          event.preventDefault();
          this.close(true);
        }
      });
    }
    notices.addEventListener("change", this.redraw);
    i18n.addEventListener("change", this.redraw);
    document.addEventListener("click", this.outside);
    this.draw();
  }

  disconnectedCallback() {
    notices.removeEventListener("change", this.redraw);
    i18n.removeEventListener("change", this.redraw);
    document.removeEventListener("click", this.outside);
  }

  onClick(event) {
    if (event.target.closest("[data-notices-toggle]")) {
      if (open) this.close(false);
      else this.open();
      return;
    }
    if (event.target.closest("[data-notices-retry]")) {
      reload();
      return;
    }
    if (event.target.closest("a[href]")) {
      open = false; // the link is followed (by the shell); the panel closes behind it
      this.draw();
    }
  }

  open() {
    open = true;
    fresh = new Set(noticeList().filter((notice) => !notice.read).map((notice) => notice.id));
    this.draw();
    this.querySelector("#notices-title")?.focus();
    markAllRead();
  }

  close(refocus) {
    open = false;
    fresh = new Set();
    this.draw();
    if (refocus) this.querySelector("[data-notices-toggle]")?.focus();
  }

  draw() {
    if (open && unreadCount() > 0) {
      // Arrived while the panel is open: it is seen now.
      for (const notice of noticeList()) if (!notice.read) fresh.add(notice.id);
      markAllRead();
    }
    const count = unreadCount();
    render(this, html`<div class="notices">
      <button type="button" class="account-button notices-button" data-notices-toggle data-focus-key="notices"
        data-testid="notices-button" aria-expanded="${String(open)}" aria-controls="notices-panel">
        ${t("notices.button")}
        ${count ? html`<span class="notices-count" data-testid="notices-unread">${count}<span
          class="visually-hidden"> ${t("notices.unread", { count })}</span></span>` : ""}
      </button>
      ${open ? this.panel() : ""}
    </div>`);
  }

  panel() {
    const zone = viewerZone();
    return html`<section id="notices-panel" class="notices-panel" aria-labelledby="notices-title" data-testid="notices-panel">
      <h2 id="notices-title" class="notices-title" tabindex="-1" data-focus-key="notices-title">${t("notices.title")}</h2>
      <p class="zone-note">${t("notices.zoneNote", { zone })}</p>
      ${this.body(zone)}
    </section>`;
  }

  body(zone) {
    const list = noticeList();
    const state = noticeStatus();
    if (list.length === 0 && state === "loading") {
      return html`<p class="notice notice-loading" role="status">${t("notices.loading")}</p>`;
    }
    if (list.length === 0 && state === "error") {
      return html`<div class="notice notice-error" role="alert"><p>${t("notices.error")}</p>
        <button type="button" class="button" data-notices-retry data-focus-key="notices-retry">${t("program.retry")}</button></div>`;
    }
    if (list.length === 0) return html`<p class="empty-state" data-testid="notices-empty">${t("notices.empty")}</p>`;
    return html`<ul class="notices-list">${list.map((notice) => this.item(notice, zone))}</ul>`;
  }

  item(notice, zone) {
    const link = noticeLink(notice);
    const text = noticeText(notice, zone);
    const isNew = fresh.has(notice.id);
    return html`<li class="notices-item${isNew ? " notices-item-new" : ""}" data-testid="notice" data-kind="${notice.kind}"
        data-id="${notice.id}">
      ${isNew ? html`<span class="tag">${t("notices.new")}</span> ` : ""}
      ${link ? html`<a href="${link}" data-focus-key="notice-${notice.id}">${text}</a>` : html`<span>${text}</span>`}
      <time class="notices-time" datetime="${notice.created_at}">${noticeTime(notice, zone)}</time>
    </li>`;
  }
}

customElements.define("pv-notices", PvNotices);
