// <pv-marathon-controls>: the marathon's controls for those who run it (the forum's
// organisers and the live segment's moderators; the server decides anyway), in a modal
// <dialog> over the marathon page, so focus stays inside it and Escape closes it.
//
// *Delay…* asks how many minutes the segment on air runs late and shows, before anything is
// stored, the day the server would make of it (POST …/delay/preview, in the viewer's zone):
// every later segment's old and new times, or which host would be pushed out of its hours.
// "Accept shorter segments" is an explicit choice, previewed like the rest. Confirm records
// the delay. *End now* asks once more, then ends the segment at the next whole minute.
//
// Either way the page hears of it from the server (its rooms' pushes), as everyone else's
// pages do; this element only says `pv-replanned` ({kind, city, minutes}) so that the page
// can announce it and fetch the new day at once.

import { paths, postJSON, withQuery } from "../api.js";
import { html, render } from "../html.js";
import { i18n, lang, t } from "../i18n.js";
import { viewerZone } from "../state.js";
import { formatDuration, timeRange } from "../time.js";

const PREVIEW_WAIT_MS = 300;
const MAX_MINUTES = 240;
const FIRST_GUESS = 10;

/** Whole minutes from 1 to 240 typed in the field, or null. */
function minutesOf(text) {
  const value = Number(String(text).trim());
  return Number.isInteger(value) && value >= 1 && value <= MAX_MINUTES ? value : null;
}

class PvMarathonControls extends HTMLElement {
  connectedCallback() {
    if (this.dialog) return; // moved, not new
    this.context = null;
    this.innerHTML = `<dialog class="marathon-dialog" aria-labelledby="marathon-dialog-title"
      data-testid="marathon-dialog"></dialog>`;
    this.dialog = this.querySelector("dialog");
    this.dialog.addEventListener("close", () => this.onClose());
    this.dialog.addEventListener("input", (event) => this.onInput(event));
    this.dialog.addEventListener("change", (event) => this.onInput(event));
    this.dialog.addEventListener("submit", (event) => {
      event.preventDefault();
      this.confirm();
    });
    this.dialog.addEventListener("click", (event) => {
      if (event.target.closest("[data-close]")) this.close();
    });
    i18n.addEventListener("change", () => {
      if (this.dialog.open) this.draw();
    });
  }

  /**
   * Ask for a delay of the live segment. `context`: {forum, marathon (slug), segment (the live
   * one, from the day's answer), segments (all of them, to name a host), opener}.
   */
  openDelay(context) {
    this.open("delay", context);
    this.askPreview();
  }

  /** Ask whether to end the live segment now. */
  openEnd(context) {
    this.open("end", context);
  }

  open(mode, context) {
    this.mode = mode;
    this.context = context;
    this.minutesText = String(FIRST_GUESS);
    this.shorter = false;
    this.preview = null; // the answer for the values shown
    this.previewError = null;
    this.previewing = false;
    this.asked = 0; // the latest preview asked for: an older answer must not win
    this.sending = false;
    this.failure = null;
    clearTimeout(this.previewTimer);
    this.draw();
    if (!this.dialog.open) this.dialog.showModal();
    const first = mode === "delay" ? "#delay-minutes" : "[data-testid='end-confirm']";
    this.dialog.querySelector(first)?.focus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  onClose() {
    clearTimeout(this.previewTimer);
    this.asked++;
    const opener = this.context?.opener;
    this.context = null;
    if (opener && opener.isConnected) opener.focus();
  }

  get city() {
    return this.context.segment.city;
  }

  // --- drawing -------------------------------------------------------------------------------

  draw() {
    if (!this.context) return;
    render(this.dialog, this.mode === "delay" ? this.delayForm() : this.endForm());
    this.paint();
  }

  delayForm() {
    return html`<form class="marathon-dialog-form" novalidate>
      <h2 id="marathon-dialog-title">${t("marathon.delay.title", { city: this.city })}</h2>
      <p class="fine-print">${t("marathon.delay.intro")}</p>
      <div class="form-field">
        <label for="delay-minutes">${t("marathon.delay.minutes")}</label>
        <input id="delay-minutes" name="minutes" type="number" inputmode="numeric" min="1" max="${MAX_MINUTES}"
          step="1" value="${this.minutesText}" class="input-minutes" data-focus-key="delay-minutes"
          data-testid="delay-minutes" aria-describedby="delay-minutes-hint delay-minutes-error">
        <p class="form-hint" id="delay-minutes-hint">${t("marathon.delay.minutesHint", { max: MAX_MINUTES })}</p>
        <p class="field-error" id="delay-minutes-error" data-part="minutes-error" hidden></p>
      </div>
      <label class="check"><input type="checkbox" name="accept_shorter" data-focus-key="delay-shorter"
        data-testid="delay-shorter" ${this.shorter ? html`checked` : ""}> ${t("marathon.delay.shorter")}</label>
      <div class="delay-preview" data-part="preview" aria-live="polite"></div>
      <p class="field-error" role="alert" data-part="failure" hidden></p>
      <p class="actions">
        <button type="submit" class="button button-primary" data-testid="delay-confirm"
          data-focus-key="delay-confirm">${t("marathon.delay.confirm")}</button>
        <button type="button" class="button" data-close data-focus-key="delay-cancel">${t("marathon.dialog.cancel")}</button>
      </p>
    </form>`;
  }

  endForm() {
    return html`<form class="marathon-dialog-form">
      <h2 id="marathon-dialog-title">${t("marathon.end.title", { city: this.city })}</h2>
      <p>${t("marathon.end.body")}</p>
      <p class="field-error" role="alert" data-part="failure" hidden></p>
      <p class="actions">
        <button type="submit" class="button button-danger" data-testid="end-confirm"
          data-focus-key="end-confirm">${t("marathon.end.confirm")}</button>
        <button type="button" class="button" data-close data-focus-key="end-cancel">${t("marathon.dialog.cancel")}</button>
      </p>
    </form>`;
  }

  /** The parts that change while the dialog is open (the form's own fields are left alone). */
  paint() {
    const failure = this.dialog.querySelector('[data-part="failure"]');
    failure.textContent = this.failure || "";
    failure.hidden = !this.failure;
    const confirm = this.dialog.querySelector('[type="submit"]');
    if (this.mode !== "delay") {
      confirm.disabled = this.sending;
      return;
    }
    const minutes = minutesOf(this.minutesText);
    const error = this.dialog.querySelector('[data-part="minutes-error"]');
    error.textContent = minutes === null ? t("marathon.delay.badMinutes", { max: MAX_MINUTES }) : "";
    error.hidden = minutes !== null;
    this.dialog.querySelector("#delay-minutes").setAttribute("aria-invalid", String(minutes === null));
    render(this.dialog.querySelector('[data-part="preview"]'), this.previewPart());
    // Confirm what was previewed, nothing else: a refusal or a stale preview cannot be confirmed.
    confirm.disabled = this.sending || !this.preview || this.previewing || minutes === null;
  }

  previewPart() {
    if (this.previewing && !this.preview) {
      return html`<p class="notice notice-loading" role="status">${t("marathon.delay.previewing")}</p>`;
    }
    if (this.previewError) {
      return html`<p class="notice notice-error" data-testid="delay-refused">${this.previewError}</p>`;
    }
    if (!this.preview) return "";
    const p = this.preview;
    return html`<table class="attendance-table delay-table" data-testid="delay-preview" ${this.previewing ? html`data-busy` : ""}>
      <caption>${t("marathon.delay.previewTitle", { minutes: p.minutes, zone: p.tz })}</caption>
      <thead><tr>
        <th scope="col">${t("marathon.delay.col.segment")}</th>
        <th scope="col">${t("marathon.delay.col.now")}</th>
        <th scope="col">${t("marathon.delay.col.after")}</th>
        <th scope="col">${t("marathon.delay.col.change")}</th>
      </tr></thead>
      <tbody>${p.segments.map((s) => this.previewRow(s, p))}</tbody>
    </table>`;
  }

  previewRow(s, preview) {
    const shortened = preview.shortened.find((item) => item.segment === s.segment);
    let change;
    if (s.moved_minutes > 0) change = t("marathon.delay.later", { duration: formatDuration(s.moved_minutes) });
    else if (s.moved_minutes < 0) change = t("marathon.delay.earlier", { duration: formatDuration(-s.moved_minutes) });
    else if (s.ends_at !== s.was_ends_at) change = t("marathon.delay.longer", { duration: formatDuration(preview.minutes) });
    else change = t("marathon.delay.same");
    return html`<tr data-segment="${s.segment}" data-city="${s.city}" class="${s.moved_minutes ? "is-moved" : ""}">
      <th scope="row">${s.city}</th>
      <td>${timeRange(s.was_viewer)}</td>
      <td data-testid="preview-after">${timeRange(s.viewer)}</td>
      <td>${change}${shortened ? html`<br><strong>${t("marathon.delay.shortenedTo", { from: shortened.from, to: shortened.to })}</strong>` : ""}</td>
    </tr>`;
  }

  // --- asking the server ---------------------------------------------------------------------

  onInput(event) {
    if (this.mode !== "delay") return;
    const target = event.target;
    // `change` follows `input` when the field loses focus (to the Confirm button): only a new
    // value asks for a new preview.
    if (target.name === "minutes" && target.value !== this.minutesText) this.minutesText = target.value;
    else if (target.name === "accept_shorter" && target.checked !== this.shorter) this.shorter = target.checked;
    else return;
    this.failure = null;
    this.preview = null;
    this.previewError = null;
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.askPreview(), PREVIEW_WAIT_MS);
    this.paint();
  }

  body() {
    return { minutes: minutesOf(this.minutesText), accept_shorter: this.shorter };
  }

  path(make) {
    const { forum, marathon, segment } = this.context;
    return make(forum, marathon, segment.id);
  }

  async askPreview() {
    const body = this.body();
    if (body.minutes === null || !this.context) {
      this.paint();
      return;
    }
    const ticket = ++this.asked;
    this.previewing = true;
    this.paint();
    try {
      const url = withQuery(this.path(paths.delayPreview), { tz: viewerZone(), lang: lang() });
      const found = await postJSON(url, body);
      if (ticket !== this.asked) return;
      this.preview = found;
      this.previewError = null;
    } catch (error) {
      if (ticket !== this.asked) return;
      this.preview = null;
      this.previewError = this.refusal(error);
    }
    this.previewing = false;
    this.paint();
  }

  async confirm() {
    if (this.sending || !this.context) return;
    const delay = this.mode === "delay";
    if (delay && (!this.preview || this.previewing)) return;
    const context = this.context;
    const minutes = delay ? this.preview.minutes : null;
    this.sending = true;
    this.failure = null;
    this.paint();
    try {
      if (delay) await postJSON(this.path(paths.delay), { minutes, accept_shorter: this.preview.accept_shorter });
      else await postJSON(this.path(paths.endSegment), {});
    } catch (error) {
      this.sending = false;
      if (this.context !== context) return;
      this.failure = this.refusal(error);
      this.paint();
      return;
    }
    this.sending = false;
    this.close();
    this.dispatchEvent(new CustomEvent("pv-replanned", {
      bubbles: true,
      detail: { kind: this.mode, city: context.segment.city, minutes },
    }));
  }

  /** A refusal in the reader's words: which host a re-plan would push out of its hours, a
   * segment no longer on air, or whatever else the server said. */
  refusal(error) {
    if (error.code === "no_plan") {
      const id = error.details?.segment;
      const named = this.context.segments.find((s) => s.id === id);
      const city = named ? named.city : error.details?.host || "";
      return t(this.shorter ? "marathon.delay.noPlanEven" : "marathon.delay.noPlan", { city });
    }
    if (error.code === "conflict") {
      return t(this.mode === "end" ? "marathon.end.refused" : "marathon.control.notLive", { city: this.city });
    }
    if (error.code === "forbidden" || error.code === "unauthorized") return t("marathon.control.forbidden");
    if (error.field === "minutes") return t("marathon.delay.badMinutes", { max: MAX_MINUTES });
    return t("marathon.control.error", { message: error.message });
  }
}

customElements.define("pv-marathon-controls", PvMarathonControls);
