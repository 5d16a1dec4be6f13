// What is on a session's stage as a page knows it: DESIGN.md section 9's
// `{"on_air", "sources"}`, asked once over HTTP, then replaced by every `stage.state` push of
// the session's room (each push is the whole state). A push wins over an answer still on its
// way, which may be older. Announces every change as `change`.

import { getJSON, paths } from "./api.js";

const REFRESH_GAP_MS = 2000;

export class StageState extends EventTarget {
  constructor() {
    super();
    this.session = null;
    this.value = null; // null until known
    this.failure = null; // an ApiError while it could not be asked
    this.asked = 0; // the latest question or push: an older answer must not win
    this.lastAsked = 0;
  }

  /** Follow the stage of `session` (again: ask afresh, as after a room's snapshot). */
  follow(session) {
    if (String(session) !== String(this.session)) this.value = null;
    this.session = session;
    this.refresh();
  }

  forget() {
    this.session = null;
    this.value = null;
    this.failure = null;
    this.asked += 1;
  }

  async refresh() {
    if (this.session === null) return;
    const ticket = ++this.asked;
    const session = this.session;
    this.lastAsked = Date.now();
    try {
      const value = await getJSON(paths.stage(session));
      if (ticket !== this.asked) return;
      this.set(value);
    } catch (error) {
      if (ticket !== this.asked) return;
      this.failure = error;
      this.changed();
    }
  }

  /** A `stage.state` push, or the answer to a moderator's change (the same shape). */
  set(value) {
    this.asked += 1;
    this.value = value;
    this.failure = null;
    this.changed();
  }

  /**
   * Sources named by the staff room's live signals (levels, previews): one the state does not
   * hold joined before its push reached us, so ask again (at most every two seconds).
   */
  notice(ids) {
    if (!this.value || this.session === null) return;
    const known = new Set(this.value.sources.map((s) => s.id));
    if (ids.every((id) => known.has(id)) || Date.now() - this.lastAsked < REFRESH_GAP_MS) return;
    this.refresh();
  }

  /** What is on air: a source id, null when nothing is, undefined while not known. */
  get onAir() {
    return this.value ? this.value.on_air : undefined;
  }

  source(id) {
    return this.value?.sources.find((s) => s.id === id) || null;
  }

  changed() {
    this.dispatchEvent(new CustomEvent("change"));
  }
}
