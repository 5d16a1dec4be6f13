// <pv-backstage>: a speaker's backstage (`view=backstage&session=<id>`): their own camera
// and microphone previewed, the devices to choose from (switching one replaces the track
// being sent, without negotiating again), a level meter for the microphone, and joining the
// stage's backstage (WHIP, stage.js) or leaving it, with where they stand (backstage, on
// stage, on air, muted) in plain words, as the session's room reports it (`stage.state`).
//
// The session's speakers and moderators may speak, and an attendee whose raised hand a
// moderator invited: the person's roles and the room's snapshot decide what the page offers,
// the server decides what it takes. Leaving the page ends the publication and turns the
// camera off.

import { account, known, me } from "../account.js";
import { deviceOf, deviceProblem, LevelMeter, listDevices, openDevice, openDevices } from "../devices.js";
import { html, render } from "../html.js";
import { lang, t } from "../i18n.js";
import { connection, note } from "../room-parts.js";
import { apply } from "../snapshot.js";
import { roomSocket } from "../socket.js";
import { stageProblem, publish } from "../stage.js";
import * as parts from "../stage-parts.js";
import { StageState } from "../stage-state.js";
import { current } from "../state.js";
import { SessionPage } from "../session-loader.js";

const NO_DEVICES = { cameras: [], microphones: [] };

class PvBackstage extends SessionPage {
  get titleId() {
    return "backstage-title";
  }

  connectedCallback() {
    this._forum = null;
    this.socket = roomSocket();
    this.stage = new StageState();
    this.meter = new LevelMeter((level) => this.showMicLevel(level));
    this.entered = null; // "forum|session|person" of the room joined, null when none
    this.joined = null;
    this.session = null; // the session's page data, for its title (may stay null)
    this.sessionKey = null;
    this.shape = null;
    this.painted = {};
    this.publishing = 0; // the latest join: an answer to an older one is thrown away
    this.opening = 0; // the same for opening the devices
    this.clear();
    this.addEventListener("click", (event) => this.onClick(event));
    this.addEventListener("change", (event) => this.onChange(event));
    this.socket.addEventListener("state", () => {
      if (!this.hidden && this.entered) this.paint();
    });
    this.stage.addEventListener("change", () => this.onStage());
    account.addEventListener("change", () => {
      if (!this.hidden) this.update();
    });
    navigator.mediaDevices?.addEventListener("devicechange", () => this.refreshDevices());
  }

  /** Forget the room joined, the publication and the devices. */
  clear() {
    this.room = null;
    this.failure = null;
    this.notes = {};
    this.phase = "off"; // off, joining, live, removed
    this.link = null;
    this.seen = false; // my source has shown in the stage's state (gone after that: removed)
    this.stream = null;
    this.devices = NO_DEVICES;
    this.cameraStatus = "off"; // off, opening, on, failed
    this.cameraProblem = "";
  }

  enter(key) {
    if (this.joined) this.socket.leave(this.joined);
    this.unpublish();
    this.closeDevices();
    this.stage.forget();
    this.clear();
    this.joinRoom(key);
  }

  // --- the room and the stage ------------------------------------------------------------------

  onSnapshot(snapshot) {
    this.room = snapshot;
    this.stage.follow(current().session);
    this.draw();
  }

  onPush(push) {
    if (push.type === "stage.state") this.stage.set(push.data);
    else this.room = apply(this.room, push.type, push.data); // my hand, invited or lowered
    this.draw();
  }

  /** Whether the page offers this person the stage: the server has the last word. */
  maySpeak() {
    const mine = this.room.me;
    return mine.moderator || mine.organiser || mine.hand === "invited"
      || parts.speaksHere(me(), this._forum.slug, current().session);
  }

  /** The stage changed: where I stand, and whether a moderator took me off it. */
  onStage() {
    const mine = this.mine();
    if (mine) this.seen = true;
    if (this.phase === "live" && this.seen && !mine && this.stage.value) {
      this.unpublish();
      this.phase = "removed";
    }
    this.paint();
  }

  mine() {
    return this.link ? this.stage.source(this.link.id) : null;
  }

  /** My sources that could not connect (the stage lists them a minute, with the reason). */
  failedFeeds() {
    const id = me()?.id;
    return (this.stage.value?.sources || []).filter((s) => s.failure && s.user_id === id);
  }

  status() {
    if (!known()) return "loading";
    if (!me() || this.failure?.code === "unauthorized") return "signin";
    if (this.failure) return this.failure.code === "forbidden" || this.failure.code === "not_found" ? this.failure.code : "error";
    if (!this.room) return "loading";
    return this.maySpeak() || this.phase !== "off" ? "ready" : "refused";
  }

  // --- drawing ---------------------------------------------------------------------------------

  draw() {
    const title = this.session ? this.session.title : this._forum?.name || t("app.name");
    document.title = `${t("backstage.title")} — ${title}`;
    const status = this.status();
    const shape = [status, lang()].join("|");
    if (shape !== this.shape) {
      this.shape = shape;
      this.painted = {};
      render(this, this.page(status));
      this.showPreview();
    }
    if (status === "ready") this.openCamera();
    this.paint();
  }

  page(status) {
    return parts.stagePage("backstage", status, status === "ready" ? this.layout() : this.elsewhere(status));
  }

  header() {
    return parts.stageHeader("backstage", "🎙", this.session);
  }

  /** The page before (or instead of) the backstage: loading, signing in, refused. */
  elsewhere(status) {
    const refusals = { refused: "backstage.refused", forbidden: "room.forbidden", not_found: "room.notFound" };
    return parts.stageNotReady("backstage", status, {
      loading: "backstage.loading",
      signIn: "backstage.signIn",
      refusal: (s) => refusals[s],
      failure: this.failure,
    });
  }

  layout() {
    return html`<div class="backstage-layout">
      <section class="stage-box" aria-labelledby="preview-title">
        <h3 id="preview-title">${t("backstage.preview")}</h3>
        <div class="stage-screen camera-screen">
          <video class="camera-video" data-camera muted playsinline autoplay aria-label="${t("backstage.cameraLabel")}"
            data-testid="camera-preview"></video>
          <div class="stage-overlay" data-part="camera-status" aria-live="polite"></div>
        </div>
        <div class="mic-meter"><span aria-hidden="true">🎤 ${t("backstage.micLevel")}</span>
          ${parts.levelBar("mic", t("backstage.micLevel"))}</div>
        <div class="device-choice">
          <label for="backstage-camera">${t("backstage.camera")}</label>
          <select id="backstage-camera" data-device="videoinput" data-part="cameras" data-focus-key="camera"></select>
          <label for="backstage-microphone">${t("backstage.microphone")}</label>
          <select id="backstage-microphone" data-device="audioinput" data-part="microphones" data-focus-key="microphone"></select>
        </div>
        <div data-note="devices"></div>
      </section>
      <section class="stage-box backstage-place" aria-labelledby="place-title">
        <h3 id="place-title">${t("backstage.placeTitle")}</h3>
        <div data-part="place" aria-live="polite"></div>
        <div data-part="failed-feeds" aria-live="polite"></div>
        <p class="stage-links" data-part="publish"></p>
        <div data-note="publish"></div>
        <p class="fine-print">${t("backstage.howItWorks")}</p>
      </section>
    </div>`;
  }

  /** Paint every live part whose markup changed since it was last painted. */
  paint() {
    this.part("connection", connection(this.socket.state));
    this.part("header", this.header());
    if (this.status() !== "ready") return;
    this.part("camera-status", this.cameraMessage());
    const video = this.stream?.getVideoTracks()[0];
    const audio = this.stream?.getAudioTracks()[0];
    this.part("cameras", parts.deviceOptions(this.devices.cameras, deviceOf(video)));
    this.part("microphones", parts.deviceOptions(this.devices.microphones, deviceOf(audio)));
    for (const select of this.querySelectorAll("select[data-device]")) select.disabled = !this.stream;
    this.part("place", parts.place(this.phase, this.mine()));
    this.part("failed-feeds", parts.failedFeeds(this.failedFeeds()));
    this.part("publish", parts.publishButton(this.phase, Boolean(this.stream)));
    for (const box of this.querySelectorAll("[data-note]")) {
      this.part(`note:${box.dataset.note}`, note(this.notes[box.dataset.note]), box);
    }
  }

  part(name, markup, element = this.querySelector(`[data-part="${name}"]`)) {
    if (!element) return;
    const text = html`${markup}`.text;
    if (this.painted[name] === text) return;
    this.painted[name] = text;
    render(element, html`${markup}`);
  }

  cameraMessage() {
    if (this.cameraStatus === "opening") return html`<p class="notice-loading">${t("backstage.cameraOpening")}</p>`;
    if (this.cameraStatus === "failed") {
      return html`<div class="stage-problem" data-testid="camera-problem"><p>${this.cameraProblem}</p>
        <button type="button" class="button" data-open-camera data-focus-key="open-camera">${t("program.retry")}</button></div>`;
    }
    return "";
  }

  setNote(name, kind, text) {
    if (kind) this.notes[name] = { kind, text };
    else delete this.notes[name];
    this.paint();
  }

  // --- the camera and the microphone -----------------------------------------------------------

  /** Turn the camera and microphone on (once the page may offer the stage). */
  async openCamera() {
    if (this.cameraStatus !== "off") return;
    const ticket = ++this.opening;
    this.cameraStatus = "opening";
    this.paint();
    let stream;
    try {
      stream = await openDevices();
    } catch (error) {
      if (ticket !== this.opening) return;
      this.cameraStatus = "failed";
      this.cameraProblem = deviceProblem(error);
      this.paint();
      return;
    }
    if (ticket !== this.opening) {
      stopTracks(stream); // the page was left meanwhile
      return;
    }
    this.stream = stream;
    this.cameraStatus = "on";
    this.meter.attach(stream);
    this.showPreview();
    await this.refreshDevices();
  }

  /** The devices there are (their names are known once one is open). */
  async refreshDevices() {
    if (!this.stream) return;
    const ticket = this.opening;
    const found = await listDevices().catch(() => NO_DEVICES);
    if (ticket !== this.opening) return;
    this.devices = found;
    this.paint();
  }

  showPreview() {
    const video = this.querySelector("video[data-camera]");
    if (video && video.srcObject !== this.stream) video.srcObject = this.stream;
  }

  showMicLevel(level) {
    const bar = this.querySelector('[data-level="mic"]');
    if (bar) parts.showLevel(bar, level);
  }

  /** Use another camera or microphone: the new track replaces the old one everywhere. */
  async chooseDevice(kind, deviceId) {
    const old = kind === "videoinput" ? this.stream?.getVideoTracks()[0] : this.stream?.getAudioTracks()[0];
    if (!this.stream || !deviceId || deviceOf(old) === deviceId) return;
    const ticket = this.opening;
    try {
      const track = await openDevice(kind, deviceId);
      if (ticket !== this.opening) {
        track.stop();
        return;
      }
      await this.link?.replace(track);
      if (old) {
        this.stream.removeTrack(old);
        old.stop();
      }
      this.stream.addTrack(track);
      if (track.kind === "audio") this.meter.attach(this.stream);
      this.setNote("devices", null);
    } catch (error) {
      this.setNote("devices", "error", deviceProblem(error));
    }
    this.paint();
  }

  closeDevices() {
    this.opening += 1;
    this.meter.stop();
    if (this.stream) stopTracks(this.stream);
    this.stream = null;
  }

  // --- joining and leaving the backstage -------------------------------------------------------

  async join() {
    if (!this.stream || this.phase === "joining" || this.phase === "live") return;
    this.meter.resume(); // a click: the page may now play audio
    const ticket = ++this.publishing;
    this.phase = "joining";
    this.seen = false;
    this.setNote("publish", null);
    try {
      const link = await publish(current().session, this.stream);
      if (ticket !== this.publishing) {
        link.stop();
        return;
      }
      this.link = link;
      link.addEventListener("state", (event) => {
        if (link === this.link && event.detail === "failed") this.lost();
      });
      this.phase = "live";
      this.stage.refresh(); // my source, whether or not its arrival is pushed
    } catch (error) {
      if (ticket !== this.publishing) return;
      this.phase = "off";
      this.setNote("publish", "error", stageProblem(error, "publish"));
    }
    this.draw();
  }

  leave() {
    this.unpublish();
    this.phase = "off";
    this.draw();
  }

  lost() {
    this.unpublish();
    this.phase = "off";
    this.setNote("publish", "error", t("stage.error.lost"));
    this.draw();
  }

  unpublish() {
    this.publishing += 1;
    this.link?.stop();
    this.link = null;
    this.seen = false;
  }

  // --- acting ----------------------------------------------------------------------------------

  onClick(event) {
    const target = event.target.closest("button");
    if (!target || !this.contains(target) || target.getAttribute("aria-disabled") === "true") return;
    const d = target.dataset;
    this.meter.resume();
    if ("join" in d) this.join();
    else if ("leave" in d) this.leave();
    else if ("openCamera" in d) {
      this.cameraStatus = "off";
      this.openCamera();
    } else if ("retry" in d) {
      this.enter(null);
      this.update();
    }
  }

  onChange(event) {
    const kind = event.target.dataset?.device;
    if (kind) this.chooseDevice(kind, event.target.value);
  }
}

function stopTracks(stream) {
  for (const track of stream.getTracks()) track.stop();
}

customElements.define("pv-backstage", PvBackstage);
