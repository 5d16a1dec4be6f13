// <pv-private-chat>: a conversation in a private room (`private:<token>`), such as a visitor's
// with a stand's staff member who answered their call: the messages and a field to write in,
// over the tab's room socket (socket.js; docs/rooms.md). The room's snapshot holds its last
// messages; pushes are folded in by snapshot.js's `apply`, as the live room does.
//
// The page holding it calls `open(room, heading, peer)`, `pause()` when it is hidden and
// `resume()` when it is shown again (the socket replays what was said meanwhile); the element is
// kept across redraws of that page, so a half-written message survives them.
//
// Either person can start a video call from the chat (call.js): it rings on the other side,
// which answers or declines; the two videos, a microphone and a camera switch and the hang-up
// button show above the messages. Hiding the chat ends its call.

import { me } from "../account.js";
import { Call, duration } from "../call.js";
import { deviceProblem } from "../devices.js";
import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";
import { connection, message } from "../room-parts.js";
import { apply } from "../snapshot.js";
import { RoomError, roomSocket } from "../socket.js";
import { viewerZone } from "../state.js";

// A video camera, drawn in the text's colour (an emoji may be missing from the fonts).
const CAMERA_ICON = html`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"
  focusable="false"><path fill="currentColor" d="M3 6.5A1.5 1.5 0 0 1 4.5 5h9A1.5 1.5 0 0 1 15 6.5v2.6l4.4-2.7A1
  1 0 0 1 21 7.3v9.4a1 1 0 0 1-1.6.9L15 14.9v2.6a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 3 17.5z"/></svg>`;

let made = 0; // numbers the ids of each chat's elements: a desk may hold several chats

class PvPrivateChat extends HTMLElement {
  // Set up when made, not when connected: the page may open the room before it has drawn the
  // place the chat goes, and moving the element into each drawing must not reset it.
  constructor() {
    super();
    this.socket = roomSocket();
    this.uid = ++made;
    this.roomName = null;
    this.joined = false;
    this.snapshot = null;
    this.failure = null;
    this.note = null;
    this.heading = "";
    this.peer = "";
    this.call = new Call({
      send: (data) => this.socket.request("call.signal", this.roomName, data),
      me: () => me()?.id ?? null,
    });
    this.call.addEventListener("change", () => this.callChanged());
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("keydown", (event) => this.onKeydown(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.socket.addEventListener("state", () => this.paintConnection());
    i18n.addEventListener("change", () => this.draw());
  }

  get room() {
    return this.roomName;
  }

  /** Join `room` (leaving the one before, if another), headed `heading`, with `peer` (the
   * other person's name, for the call's wording; the heading if not given). */
  open(room, heading, peer = heading) {
    this.heading = heading;
    this.peer = peer;
    if (room !== this.roomName) {
      this.pause();
      this.roomName = room;
      this.snapshot = null;
      this.failure = null;
      this.note = null;
      this.drawn = null;
    }
    this.resume();
    this.draw();
  }

  /** Stop hearing the room (the page is hidden); `resume` joins it again. */
  pause() {
    this.call.hangUp();
    this.call.dismiss();
    if (!this.joined) return;
    this.socket.leave(this.roomName);
    this.joined = false;
  }

  resume() {
    if (!this.roomName || this.joined) return;
    this.joined = true;
    this.socket.join(this.roomName, {
      snapshot: (snapshot) => {
        this.snapshot = snapshot;
        this.failure = null;
        this.draw();
      },
      push: (push) => {
        if (push.type === "call.signal") return this.call.receive(push.data);
        this.snapshot = apply(this.snapshot, push.type, push.data);
        this.paint();
      },
      failed: (error) => {
        this.joined = false;
        this.failure = error;
        this.draw();
      },
    });
  }

  // --- drawing -------------------------------------------------------------------------------

  /** The frame once per room, language and outcome; the messages are painted into it. */
  draw() {
    if (!this.roomName) return;
    const shape = [this.roomName, this.heading, document.documentElement.lang, this.failure?.code].join("|");
    if (shape !== this.drawn) {
      const box = this.querySelector("textarea");
      const typed = box ? box.value : "";
      this.drawn = shape;
      render(this, this.frame());
      const again = this.querySelector("textarea");
      if (again) again.value = typed;
    }
    this.paint();
    this.paintCall();
  }

  frame() {
    const id = `private-chat-${this.uid}`;
    return html`<section class="private-chat" aria-labelledby="${id}-title" data-testid="private-chat"
        data-room="${this.roomName}">
      <div class="private-chat-head">
        <h4 id="${id}-title">${this.heading}</h4>
        <span data-part="connection"></span>
        ${this.failure ? "" : html`<button type="button" class="button call-start" data-call="start"
          data-testid="call-start" data-focus-key="${id}-call" aria-label="${t("call.startLabel", { name: this.peer })}">
          ${CAMERA_ICON} ${t("call.start")}</button>`}
      </div>
      <div class="call" data-part="call" data-testid="call" hidden>
        <div class="call-videos" data-part="call-videos">
          <video class="call-remote" data-video="remote" data-testid="call-remote" autoplay playsinline
            aria-label="${t("call.remoteVideo", { name: this.peer })}"></video>
          <video class="call-local" data-video="local" data-testid="call-local" autoplay playsinline muted
            aria-label="${t("call.localVideo")}"></video>
        </div>
        <div class="call-bar" data-part="call-bar"></div>
      </div>
      ${this.failure ? this.refused() : html`<div class="chat-log" role="log" tabindex="0" data-chat-log
          aria-label="${t("privateChat.log", { name: this.heading })}">
          <ol class="messages" data-messages data-testid="messages"></ol>
          <p class="room-empty" data-part="empty"></p>
        </div>
        <form class="chat-form" data-form="private-chat" novalidate data-testid="private-chat-form">
          <label for="${id}-text" class="visually-hidden">${t("privateChat.label")}</label>
          <textarea id="${id}-text" name="text" rows="2" maxlength="2000" placeholder="${t("privateChat.label")}"
            aria-describedby="${id}-hint" data-focus-key="${id}-text"></textarea>
          <button type="submit" class="button button-primary" data-focus-key="${id}-send">${t("room.chat.send")}</button>
          <p class="form-hint" id="${id}-hint">${t("room.chat.hint")}</p>
          <div class="form-note" data-part="note"></div>
        </form>`}
    </section>`;
  }

  refused() {
    const gone = ["not_found", "forbidden", "unauthorized"].includes(this.failure.code);
    return html`<div class="room-note room-note-error" role="alert" data-testid="private-chat-refused">
      <p>${gone ? t("privateChat.gone") : t("room.failed", { message: this.failure.message })}</p>
      ${gone ? "" : html`<button type="button" class="link-button" data-rejoin>${t("program.retry")}</button>`}
    </div>`;
  }

  paint() {
    this.paintConnection();
    const list = this.querySelector("[data-messages]");
    if (!list) return;
    const messages = this.snapshot ? this.snapshot.messages : [];
    const log = this.querySelector("[data-chat-log]");
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const person = me();
    const v = { me: { id: person ? person.id : null }, moderator: false, zone: viewerZone() };
    render(list, messages.map((m) => message(m, v)));
    if (atBottom) log.scrollTop = log.scrollHeight;
    const empty = this.querySelector('[data-part="empty"]');
    empty.textContent = !this.snapshot ? t("privateChat.joining") : messages.length ? "" : t("privateChat.empty");
    empty.hidden = !empty.textContent;
    const note = this.querySelector('[data-part="note"]');
    render(note, this.note ? html`<p class="room-note room-note-error" role="alert">${this.note}</p>` : "");
  }

  // --- the call ------------------------------------------------------------------------------

  callChanged() {
    this.paintCall();
    clearInterval(this.callTicker);
    this.callTicker = null;
    if (this.call.state === "live") {
      this.callTicker = setInterval(() => {
        const time = this.querySelector('[data-part="call-time"]');
        if (time) time.textContent = duration(this.call.startedAt);
      }, 1000);
    }
  }

  paintCall() {
    const box = this.querySelector('[data-part="call"]');
    if (!box) return;
    const call = this.call;
    const start = this.querySelector('[data-call="start"]');
    if (start) start.disabled = call.busy;
    box.hidden = call.state === "idle";
    box.dataset.state = call.state;
    const videos = box.querySelector('[data-part="call-videos"]');
    videos.hidden = !["calling", "connecting", "live"].includes(call.state);
    show(box.querySelector('[data-video="local"]'), call.localStream);
    show(box.querySelector('[data-video="remote"]'), call.remoteStream);
    render(box.querySelector('[data-part="call-bar"]'), this.callBar());
  }

  callBar() {
    const call = this.call;
    const name = this.peer;
    const id = `private-chat-${this.uid}`;
    const button = (action, label, extra = "") => html`<button type="button" class="button ${extra}"
      data-call="${action}" data-testid="call-${action}" data-focus-key="${id}-call-${action}">${label}</button>`;
    switch (call.state) {
      case "calling":
        return html`<p class="call-status" role="status">${t("call.calling", { name })}</p>
          ${button("hangup", t("call.cancel"))}`;
      case "ringing":
        return html`<p class="call-status call-incoming" role="alert" data-testid="call-incoming">
            <span class="ring-pulse" aria-hidden="true"></span> ${t("call.incoming", { name })}</p>
          ${button("accept", t("call.accept"), "button-primary")} ${button("decline", t("call.decline"))}`;
      case "connecting":
        return html`<p class="call-status" role="status">${t("call.connecting")}</p>
          ${button("hangup", t("call.hangup"), "button-danger")}`;
      case "live":
        // The time is a timer, not in the status: a screen reader must not read it every second.
        return html`<p class="call-status" role="status" data-testid="call-live">${t("call.live", { name })}</p>
          <span class="call-time" role="timer" data-part="call-time" data-testid="call-time">${duration(
            call.startedAt)}</span>
          <button type="button" class="button" data-call="mic" data-testid="call-mic" aria-pressed="${!call.micOn}"
            data-focus-key="${id}-call-mic">${t(call.micOn ? "call.micOff" : "call.micOn")}</button>
          <button type="button" class="button" data-call="camera" data-testid="call-camera"
            aria-pressed="${!call.cameraOn}" data-focus-key="${id}-call-camera">${t(call.cameraOn
              ? "call.cameraOff" : "call.cameraOn")}</button>
          ${button("hangup", t("call.hangup"), "button-danger")}`;
      case "ended":
        return html`<p class="call-status" role="status" data-testid="call-ended"
            data-reason="${call.reason}">${this.endedText()}</p>
          ${button("dismiss", t("call.dismiss"))}`;
      default:
        return "";
    }
  }

  endedText() {
    const call = this.call;
    const name = this.peer;
    if (call.reason === "devices") return deviceProblem(call.error);
    const lasted = call.startedAt ? ` ${t("call.lasted", { time: duration(call.startedAt, call.endedAt) })}` : "";
    return t(`call.end.${call.reason}.${call.endedBy}`, { name }) + lasted;
  }

  paintConnection() {
    const box = this.querySelector('[data-part="connection"]');
    if (box) render(box, connection(this.socket.state));
  }

  // --- acting --------------------------------------------------------------------------------

  onKeydown(event) {
    if (event.target.matches("textarea") && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  }

  onSubmit(event) {
    const form = event.target.closest('form[data-form="private-chat"]');
    if (!form) return;
    event.preventDefault();
    this.send(form.elements.text);
  }

  onClick(event) {
    const button = event.target.closest("button");
    if (!button) return;
    const action = button.dataset.call;
    if (action) {
      if (action === "start") this.call.start();
      else if (action === "accept") this.call.accept();
      else if (action === "decline") this.call.decline();
      else if (action === "hangup") this.call.hangUp();
      else if (action === "mic") this.call.toggleMic();
      else if (action === "camera") this.call.toggleCamera();
      else if (action === "dismiss") this.call.dismiss();
    } else if ("rejoin" in button.dataset) {
      this.failure = null;
      this.resume();
      this.draw();
    } else if (button.dataset.deleteMessage) {
      this.request("chat.delete", { message: Number(button.dataset.deleteMessage) });
    }
  }

  async send(box) {
    const text = box.value.trim();
    if (!text) {
      this.setNote(t("room.chat.textMissing"));
      box.focus();
      return;
    }
    if (await this.request("chat.send", { text })) {
      if (box.value.trim() === text) box.value = ""; // unless the next one is being written
    }
  }

  /** An operation on the room; a refusal is said under the field. Whether it worked. */
  async request(op, data) {
    try {
      await this.socket.request(op, this.roomName, data);
      this.setNote(null);
      return true;
    } catch (error) {
      if (!(error instanceof RoomError)) throw error;
      this.setNote(refusal(error));
      return false;
    }
  }

  setNote(text) {
    this.note = text;
    this.paint();
  }
}

/** Show `stream` in `video` (unless it shows it already). */
function show(video, stream) {
  if (video && video.srcObject !== (stream || null)) video.srcObject = stream || null;
}

function refusal(error) {
  if (error.code === "offline") return t("room.offline");
  if (error.code === "timeout") return t("room.timeout");
  if (error.code === "rate_limited") return t("room.tooFast", { seconds: Math.max(1, Math.ceil(error.retryAfter || 1)) });
  return t("room.failed", { message: error.message });
}

customElements.define("pv-private-chat", PvPrivateChat);
