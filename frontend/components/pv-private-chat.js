// <pv-private-chat>: a conversation in a private room (`private:<token>`), such as a visitor's
// with a stand's staff member who answered their call: the messages and a field to write in,
// over the tab's room socket (socket.js; docs/rooms.md). The room's snapshot holds its last
// messages; pushes are folded in by snapshot.js's `apply`, as the live room does.
//
// The page holding it calls `open(room, heading)`, `pause()` when it is hidden and `resume()`
// when it is shown again (the socket replays what was said meanwhile); the element is kept
// across redraws of that page, so a half-written message survives them.

import { me } from "../account.js";
import { html, render } from "../html.js";
import { i18n, t } from "../i18n.js";
import { connection, message } from "../room-parts.js";
import { apply } from "../snapshot.js";
import { RoomError, roomSocket } from "../socket.js";
import { viewerZone } from "../state.js";

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
    this.addEventListener("submit", (event) => this.onSubmit(event));
    this.addEventListener("keydown", (event) => this.onKeydown(event));
    this.addEventListener("click", (event) => this.onClick(event));
    this.socket.addEventListener("state", () => this.paintConnection());
    i18n.addEventListener("change", () => this.draw());
  }

  get room() {
    return this.roomName;
  }

  /** Join `room` (leaving the one before, if another), headed `heading`. */
  open(room, heading) {
    this.heading = heading;
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
  }

  frame() {
    const id = `private-chat-${this.uid}`;
    return html`<section class="private-chat" aria-labelledby="${id}-title" data-testid="private-chat"
        data-room="${this.roomName}">
      <div class="private-chat-head">
        <h4 id="${id}-title">${this.heading}</h4>
        <span data-part="connection"></span>
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
    if ("rejoin" in button.dataset) {
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

function refusal(error) {
  if (error.code === "offline") return t("room.offline");
  if (error.code === "timeout") return t("room.timeout");
  if (error.code === "rate_limited") return t("room.tooFast", { seconds: Math.max(1, Math.ceil(error.retryAfter || 1)) });
  return t("room.failed", { message: error.message });
}

customElements.define("pv-private-chat", PvPrivateChat);
