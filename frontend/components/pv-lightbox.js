// <pv-lightbox>: pictures shown large, one at a time, over the page: a modal <dialog>, so focus
// stays inside it and Escape closes it. The arrow keys (and buttons) go to the previous and
// next picture; closing puts focus back on whatever opened it.

import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";

class PvLightbox extends HTMLElement {
  connectedCallback() {
    if (this.dialog) return; // moved, not new
    this.images = [];
    this.index = 0;
    this.caption = "";
    this.opener = null;
    this.innerHTML = `<dialog class="lightbox" aria-labelledby="lightbox-caption" data-testid="lightbox"></dialog>`;
    this.dialog = this.querySelector("dialog");
    this.dialog.addEventListener("close", () => this.onClose());
    this.dialog.addEventListener("click", (event) => this.onClick(event));
    this.dialog.addEventListener("keydown", (event) => this.onKeydown(event));
    i18n.addEventListener("change", () => {
      if (this.dialog.open) this.draw();
    });
  }

  /** Show `images` (`[{url, thumbnail}]`) from `index`, captioned `title`; `opener` gets focus back. */
  open(images, index, title, opener) {
    this.images = images;
    this.index = index;
    this.caption = title;
    this.opener = opener;
    this.draw();
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.querySelector("[data-close]").focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  onClose() {
    const opener = this.opener;
    this.opener = null;
    if (opener && opener.isConnected) opener.focus();
  }

  draw() {
    const total = this.images.length;
    const n = this.index + 1;
    const image = this.images[this.index];
    const several = total > 1;
    render(this.dialog, html`<figure class="lightbox-figure">
        <img class="lightbox-image" src="${image.url}" alt="${t("lightbox.alt", { name: this.caption, n, total })}"
          data-testid="lightbox-image">
        <figcaption id="lightbox-caption" class="lightbox-caption">${this.caption}${several
          ? html` <span class="muted">· ${t("lightbox.position", { n, total })}</span>` : ""}</figcaption>
      </figure>
      <div class="lightbox-controls">
        ${several ? html`<button type="button" class="button" data-step="-1" data-focus-key="lightbox-prev">
          <span aria-hidden="true">←</span> ${t("lightbox.previous")}</button>
        <button type="button" class="button" data-step="1" data-focus-key="lightbox-next">${t("lightbox.next")}
          <span aria-hidden="true">→</span></button>` : ""}
        <button type="button" class="button button-primary" data-close data-focus-key="lightbox-close"
          data-testid="lightbox-close">${t("lightbox.close")}</button>
      </div>`);
  }

  step(by) {
    const total = this.images.length;
    this.index = (this.index + by + total) % total;
    this.draw();
  }

  onClick(event) {
    if (event.target === this.dialog) {
      this.close(); // a click on the backdrop around the picture
      return;
    }
    const button = event.target.closest("button");
    if (!button) return;
    if ("close" in button.dataset) this.close();
    else if (button.dataset.step) this.step(Number(button.dataset.step));
  }

  onKeydown(event) {
    if (this.images.length < 2) return;
    const by = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (!by) return;
    event.preventDefault();
    this.step(by);
  }
}

customElements.define("pv-lightbox", PvLightbox);
