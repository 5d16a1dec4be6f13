// What the pages of one session's room share (the live room, the backstage and the console):
// the session they are about (its title and times), and joining its room as the person signed
// in, again whenever the session, the forum or the person changes.

import { known, me } from "./account.js";
import { getJSON, paths } from "./api.js";
import { lang } from "./i18n.js";
import { current, viewerZone } from "./state.js";

/**
 * Load session `id` of the page's forum into `page.session`, once per forum, id, zone and
 * language; a newer call wins over an older answer. When it cannot be had, `page.session` is
 * null and the page works without it (its title falls back to the page's name). The page is
 * redrawn when the answer arrives, unless it is hidden.
 */
export async function loadSessionInto(page, id) {
  const key = `${page._forum.slug}|${id}|${viewerZone()}|${lang()}`;
  if (key === page.sessionKey) return;
  page.sessionKey = key;
  if (String(page.session?.id) !== String(id)) page.session = null;
  const query = { tz: viewerZone(), lang: lang() };
  const found = await getJSON(paths.session(page._forum.slug, id), query).catch(() => null);
  if (key !== page.sessionKey) return;
  page.session = found;
  if (!page.hidden) page.draw();
}

/**
 * A page of the session in the URL. A subclass gives `titleId` (the heading focused when the
 * page is opened), `enter(key)` (leave what it held, then, for a key, `joinRoom()`),
 * `onSnapshot(snapshot)`, `onPush(push)` and `draw()`.
 */
export class SessionPage extends HTMLElement {
  set forum(value) {
    this._forum = value;
  }

  get forum() {
    return this._forum;
  }

  get publicRoom() {
    return `session:${current().session}`;
  }

  get staffRoom() {
    return `${this.publicRoom}:staff`;
  }

  /** Shown, or the URL or the person changed: join the session's room as this person. */
  update({ opened = false } = {}) {
    const id = current().session;
    if (!this._forum || !id) return;
    const person = me();
    const key = known() && person ? `${this._forum.slug}|${id}|${person.id}` : null;
    if (key !== this.entered) this.enter(key);
    loadSessionInto(this, id);
    this.draw();
    if (opened) this.querySelector(`#${this.titleId}`)?.focus();
  }

  /** Hidden: leave the rooms (and whatever else the page held). */
  pause() {
    this.enter(null);
  }

  /** After `enter(key)` let go of the last room: join the session's room for `key` (none for
   * null); a refusal is the page's `failure`. */
  joinRoom(key) {
    this.entered = key;
    this.joined = key ? this.publicRoom : null;
    if (!key) return;
    this.socket.join(this.joined, {
      snapshot: (snapshot) => this.onSnapshot(snapshot),
      push: (push) => this.onPush(push),
      failed: (error) => {
        this.failure = error;
        this.draw();
      },
    });
  }
}
