// <pv-stage-player>: a session's program, watched over WHEP (stage.js), for the live room and
// the moderator's program monitor. Its owner calls `play(session, onAir)` whenever what is on
// air may have changed and `stop()` when the page is left; the player connects only while
// something is (or may be) on air, and shows connecting, playing, "nothing on air yet" or a
// failure with a retry. It also stops when it is taken out of the page for good (moved by a
// redraw, it carries on) and when the page goes away (stage.js).
//
// Browsers let a video play by itself only without sound: it starts muted, with a button to
// turn the sound on.
//
// A node serves a limited number of WebRTC viewers (PAVILION_STAGE_MAX_VIEWERS). Past it the
// WHEP offer is refused with 503, and the player plays the session's HLS stream instead
// (`/hls/{session}/index.m3u8`, a few seconds behind), natively where the browser can and
// through hls.js (frontend/vendor/, loaded only then) elsewhere, and says so.

import { paths } from "../api.js";
import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";
import { stageProblem, watch } from "../stage.js";

const HLS_TYPE = "application/vnd.apple.mpegurl";
const PLAYLIST_WAIT_MS = 30_000; // a program just on air: its first segments take a few seconds
const PLAYLIST_RETRY_MS = 1_000;

class PvStagePlayer extends HTMLElement {
  constructor() {
    super();
    this.session = null;
    this.onAir = undefined;
    this.link = null; // the WebRTC link, or the HLS playback ({stop, hls: true})
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
      <p class="stage-delay" data-testid="stage-delay" hidden></p>
    </div>`;
    this.video = this.querySelector("video");
    this.video.muted = true;
    this.overlay = this.querySelector(".stage-overlay");
    this.sound = this.querySelector("[data-stage-sound]");
    this.delayNote = this.querySelector(".stage-delay");
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
      if (ticket !== this.ticket) return;
      if (error.status === 503) await this.playHls(ticket);
      else this.fail(stageProblem(error, "watch"));
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

  /** The node's WebRTC viewers are full: the HLS stream instead, through hls.js where the
   * browser has Media Source Extensions, else natively (Safari on iOS). */
  async playHls(ticket) {
    const url = paths.hls(this.session);
    const video = this.video;
    let Hls = null;
    try {
      Hls = (await import("../vendor/hls.light.esm.js")).default;
    } catch {
      Hls = null; // not loadable here: the browser's own player, if it has one
    }
    if (ticket !== this.ticket) return;
    if (!(await this.playlistReady(url, ticket))) return;
    if (Hls?.isSupported()) {
      // No worker: the page's CSP allows scripts from this site only, not blob: workers.
      const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 2, manifestLoadingMaxRetry: 6 });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal && this.link?.player === hls) this.fail(t("stage.error.lost"));
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      this.link = { hls: true, player: hls, stop: () => hls.destroy() };
    } else if (video.canPlayType(HLS_TYPE)) {
      video.src = url;
      this.link = { hls: true, stop: () => video.removeAttribute("src") };
    } else {
      this.fail(t("stage.error.hlsUnsupported"));
      return;
    }
    this.paint();
    video.play().catch(() => {});
  }

  /** A program that has just gone on air has no playlist until its first segments are cut
   * (a few seconds): wait for it rather than fail (true once it is there; false if this
   * attempt was superseded, or it never came, which is said). */
  async playlistReady(url, ticket) {
    const deadline = Date.now() + PLAYLIST_WAIT_MS;
    for (;;) {
      let status = 0;
      try {
        status = (await fetch(url, { credentials: "same-origin", cache: "no-store" })).status;
      } catch {
        status = 0; // the network: try again below
      }
      if (ticket !== this.ticket) return false;
      if (status === 200) return true;
      if (status !== 404 && status !== 0) {
        this.fail(stageProblem({ status }, "watch"));
        return false;
      }
      if (Date.now() > deadline) {
        this.fail(t("stage.error.lost"));
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, PLAYLIST_RETRY_MS));
    }
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
    this.dataset.transport = this.link?.hls ? "hls" : this.link ? "webrtc" : "";
    this.video.hidden = !this.link; // without a stream, the stage's own backdrop shows
    this.sound.hidden = !playing;
    this.sound.textContent = this.video.muted ? `🔇 ${t("stage.player.unmute")}` : `🔊 ${t("stage.player.mute")}`;
    const message = html`${this.message()}`;
    if (message.text !== this.painted) render(this.overlay, message); // said once, not again
    this.painted = message.text;
    this.overlay.classList.toggle("visually-hidden", playing);
    this.delayNote.hidden = !(playing && this.link?.hls);
    this.delayNote.textContent = t("stage.player.broadcast");
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
