// <pv-toasts>: a notice that has just arrived, said briefly in a corner of the page ("Session
// moved: … now 12:00 WIB") and read out politely by screen readers (the region is live from
// the start, so its first toast is heard). Each one leads to its session and goes by itself
// after a while, unless the pointer or keyboard focus is on it; "Close" dismisses it at once.

import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";
import { noticeLink, noticeToast } from "../notice-words.js";
import { notices } from "../notices.js";

const SHOWN_MS = 10_000;
const AT_MOST = 3;

class PvToasts extends HTMLElement {
  connectedCallback() {
    this.toasts = []; // {notice, timer}
    this.held = false; // pointer or focus inside: nothing goes meanwhile
    this.innerHTML = `<div class="toasts" role="status" aria-live="polite" aria-atomic="false" data-testid="toasts"></div>`;
    this.box = this.firstElementChild;
    notices.addEventListener("notice", (event) => this.show(event.detail));
    i18n.addEventListener("change", () => this.draw());
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("pointerenter", () => this.hold(true));
    this.addEventListener("pointerleave", () => this.hold(false));
    this.addEventListener("focusin", () => this.hold(true));
    this.addEventListener("focusout", (event) => {
      if (!this.contains(event.relatedTarget)) this.hold(false);
    });
  }

  show(notice) {
    this.toasts = [...this.toasts, { notice, timer: null }].slice(-AT_MOST);
    this.arm();
    this.draw();
  }

  /** Start the clock of every toast that has none (not while one is being read). */
  arm() {
    if (this.held) return;
    for (const toast of this.toasts) {
      toast.timer ??= setTimeout(() => this.dismiss(toast.notice.id), SHOWN_MS);
    }
  }

  hold(held) {
    this.held = held;
    if (held) {
      for (const toast of this.toasts) clearTimeout(toast.timer);
      for (const toast of this.toasts) toast.timer = null;
    } else {
      this.arm();
    }
  }

  dismiss(id) {
    const gone = this.toasts.find((toast) => String(toast.notice.id) === String(id));
    if (!gone) return;
    clearTimeout(gone.timer);
    this.toasts = this.toasts.filter((toast) => toast !== gone);
    if (this.toasts.length === 0) this.held = false; // nothing left to hold focus or pointer
    this.draw();
  }

  onClick(event) {
    const close = event.target.closest("[data-toast-close]");
    if (close) {
      this.dismiss(close.dataset.toastClose);
      return;
    }
    const link = event.target.closest("a[data-toast-link]");
    if (link) this.dismiss(link.dataset.toastLink); // followed by the shell
  }

  draw() {
    render(this.box, html`${this.toasts.map(({ notice }) => {
      const link = noticeLink(notice);
      return html`<div class="toast" data-testid="toast" data-kind="${notice.kind}">
        <p class="toast-text">${noticeToast(notice)}</p>
        <p class="toast-actions">
          ${link ? html`<a href="${link}" data-toast-link="${notice.id}" data-focus-key="toast-open-${notice.id}">${t("notices.open")}</a>` : ""}
          <button type="button" class="link-button" data-toast-close="${notice.id}"
            data-focus-key="toast-close-${notice.id}">${t("notices.close")}</button>
        </p>
      </div>`;
    })}`);
  }
}

customElements.define("pv-toasts", PvToasts);
