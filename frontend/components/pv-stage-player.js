// <pv-stage-player>: a session's program, watched over WHEP (stage.js), for the live room and
// the moderator's program monitor. Its owner calls `play(session, onAir)` whenever what is on
// air may have changed and `stop()` when the page is left; the player connects only while
// something is (or may be) on air, and shows connecting, playing, "nothing on air yet" or a
// failure with a retry. It also stops when it is taken out of the page for good (moved by a
// redraw, it carries on) and when the page goes away (stage.js).
//
// Browsers let a video play by itself only without sound: it starts muted, with a button to
// turn the sound on.

import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";
import { stageProblem, watch } from "../stage.js";

class PvStagePlayer extends HTMLElement {
  constructor() {
    super();
    this.session = null;
    this.onAir = undefined;
    this.link = null;
    this.status = "idle"; // idle, connecting, playing, off-air, error
    this.problem = "";
    this.ticket = 0;
    this.video = null;
    this.painted = null; // the overlay's markup as last painted
  }

  connectedCallback() {
    this.build();
    if (this.link && this.video.paused) this.video.play().catch(() => {});
  }

  /** Its parts, made once (the video keeps playing through the owner's redraws). */
  build() {
    if (this.video) return;
    this.innerHTML = `<div class="stage-screen stage-player">
      <video class="stage-video" data-testid="stage-video" playsinline autoplay muted></video>
      <div class="stage-overlay" tabindex="-1" aria-live="polite"></div>
      <button type="button" class="stage-sound" data-stage-sound hidden></button>
    </div>`;
    this.video = this.querySelector("video");
    this.video.muted = true;
    this.overlay = this.querySelector(".stage-overlay");
    this.sound = this.querySelector("[data-stage-sound]");
    this.video.addEventListener("playing", () => this.setStatus("playing"));
    this.video.addEventListener("volumechange", () => this.paint());
    this.addEventListener("click", (event) => this.onClick(event));
    i18n.addEventListener("change", () => this.paint());
    this.paint();
  }

  disconnectedCallback() {
    // A redraw of the page around it takes it out and puts it back at once: only a player
    // still out of the page after that stops.
    queueMicrotask(() => {
      if (!this.isConnected) this.stop();
    });
  }

  /** Show `session`'s program: watched while something is on air (`onAir` a source id, or
   * undefined while that is not known), else "nothing on air yet". */
  play(session, onAir) {
    this.build();
    if (String(session) !== String(this.session)) this.stop();
    this.session = session;
    this.onAir = onAir;
    if (onAir === null) {
      this.disconnect();
      this.setStatus("off-air");
    } else if (!this.link && this.status !== "connecting" && this.status !== "error") {
      this.connect();
    }
  }

  /** Stop watching (the page was left). */
  stop() {
    this.disconnect();
    this.session = null;
    this.onAir = undefined;
    this.setStatus("idle");
  }

  async connect() {
    const ticket = ++this.ticket;
    this.setStatus("connecting");
    let link;
    try {
      link = await watch(this.session);
    } catch (error) {
      if (ticket === this.ticket) this.fail(stageProblem(error, "watch"));
      return;
    }
    if (ticket !== this.ticket) {
      link.stop(); // stopped or moved on meanwhile
      return;
    }
    this.link = link;
    this.paint();
    link.addEventListener("state", (event) => {
      if (link === this.link && event.detail === "failed") this.fail(t("stage.error.lost"));
    });
    this.video.srcObject = link.stream;
    this.video.play().catch(() => {}); // autoplay does it; a refusal leaves it paused
  }

  disconnect() {
    this.ticket += 1;
    this.link?.stop();
    this.link = null;
    if (this.video?.srcObject) this.video.srcObject = null;
  }

  fail(problem) {
    this.disconnect();
    this.problem = problem;
    this.setStatus("error");
  }

  retry() {
    this.setStatus("idle");
    if (this.session !== null) this.play(this.session, this.onAir);
  }

  onClick(event) {
    const button = event.target.closest("button");
    if (!button) return;
    if ("stageSound" in button.dataset) {
      this.video.muted = !this.video.muted;
      if (!this.video.muted) this.video.play().catch(() => {});
    } else if ("stageRetry" in button.dataset) {
      this.retry();
      this.overlay.focus(); // the retry button is gone: stay where it was, hear what follows
    }
  }

  setStatus(status) {
    if (status === "playing" && !this.link) return; // a late event from a stopped stream
    this.status = status;
    this.paint();
  }

  paint() {
    if (!this.video) return;
    this.dataset.state = this.status;
    this.video.setAttribute("aria-label", t("stage.player.label"));
    const playing = this.status === "playing";
    this.video.hidden = !this.link; // without a stream, the stage's own backdrop shows
    this.sound.hidden = !playing;
    this.sound.textContent = this.video.muted ? `🔇 ${t("stage.player.unmute")}` : `🔊 ${t("stage.player.mute")}`;
    const message = html`${this.message()}`;
    if (message.text !== this.painted) render(this.overlay, message); // said once, not again
    this.painted = message.text;
    this.overlay.classList.toggle("visually-hidden", playing);
  }

  message() {
    if (this.status === "playing") return t("stage.player.playing");
    if (this.status === "off-air") {
      return html`<p class="stage-title">${t("stage.player.offAir")}</p><p>${t("stage.player.offAirHint")}</p>`;
    }
    if (this.status === "error") {
      return html`<div class="stage-problem" data-testid="stage-problem"><p>${this.problem}</p>
        <button type="button" class="button" data-stage-retry data-focus-key="stage-retry">${t("stage.player.retry")}</button></div>`;
    }
    return html`<p class="notice-loading">${t("stage.player.connecting")}</p>`;
  }
}

customElements.define("pv-stage-player", PvStagePlayer);
