// The page's state lives in the URL query, so that any view can be shared as a link:
// ?forum=demo-forum&tz=Asia/Jakarta&lang=ru&session=12&date=2027-03-28&venue=…&type=…&format=…
// (or &marathon=capitals for a marathon day; &view=signin|signup|agenda for the account pages;
// &view=room&session=12&tab=qa for a session's live room and its open tab; &view=backstage or
// &view=console with the session for a speaker's backstage and the moderator's stage console;
// &view=showrooms&q=turbine&industry=energy&country=DE for the showrooms' hall and its search,
// &view=pavilion&pavilion=volga&industry=… for a pavilion, &view=stand&stand=kamturbo&product=…
// for a stand (and one of its products), &view=exhibitor for a stand's staff desk;
// &view=forgot to ask for a password link, &view=password&token=… to choose a password with it;
// &view=invite&invite=… for the page of a mailed invitation to a closed session;
// &view=account for my account, &view=roles with the forum for its people and roles)
//
// `navigate(patch)` pushes a new URL and announces which keys changed; the back and
// forward buttons announce the same way (popstate). Nothing else writes the URL.

import { detectLang, setLang } from "./i18n.js";
import { browserZone } from "./time.js";

export const KEYS = [
  "forum", "tz", "lang", "view", "marathon", "session", "date", "venue", "type", "format", "tab",
  "pavilion", "stand", "product", "q", "industry", "country", "token", "invite",
];

/** Keys that mean something on some pages only (`view`), left out of any other page's URL. */
const PAGE_KEYS = {
  tab: ["room", "editor"],
  pavilion: ["pavilion"],
  stand: ["stand"],
  product: ["stand"],
  q: ["showrooms"],
  country: ["showrooms"],
  industry: ["showrooms", "pavilion"],
  token: ["password", "signup"], // a mailed link: choose a password, finish a sign-up
  invite: ["invite", "signin", "signup"], // the forms opened from the invite page return to it
};

export const state = new EventTarget();

/** The state in a query string: every key, `null` where absent. */
export function read(search = location.search) {
  const params = new URLSearchParams(search);
  return Object.fromEntries(KEYS.map((key) => [key, params.get(key) || null]));
}

let snapshot = read();

export function current() {
  return { ...snapshot };
}

/** The zone times are shown in: the one in the URL, else the browser's own. */
export function viewerZone() {
  return snapshot.tz || browserZone();
}

/** The query string for the current state changed by `patch` (a `null` value removes a key). */
export function hrefFor(patch = {}) {
  const next = { ...snapshot, ...patch };
  for (const [key, views] of Object.entries(PAGE_KEYS)) {
    if (!views.includes(next.view)) next[key] = null;
  }
  const params = new URLSearchParams();
  for (const key of KEYS) {
    if (next[key] !== null && next[key] !== undefined && next[key] !== "") {
      params.set(key, String(next[key]));
    }
  }
  const query = params.toString();
  return query ? `?${query}` : location.pathname;
}

function announce(previous) {
  const changed = new Set(KEYS.filter((key) => previous[key] !== snapshot[key]));
  if (changed.size === 0) return;
  if (changed.has("lang")) setLang(detectLang(location.search));
  state.dispatchEvent(
    new CustomEvent("change", { detail: { state: current(), previous, changed } }),
  );
}

/** Change the state (and the URL); `replace` rewrites the current history entry instead. */
export function navigate(patch, { replace = false } = {}) {
  const url = hrefFor(patch);
  if (url === hrefFor()) return;
  history[replace ? "replaceState" : "pushState"](null, "", url);
  const previous = snapshot;
  snapshot = read();
  announce(previous);
}

/** Follow a same-page link without reloading, unless the person asked for a new tab. */
export function followLink(event) {
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return false;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return false;
  }
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname !== location.pathname) return false;
  event.preventDefault();
  const patch = read(url.search);
  navigate(patch);
  return true;
}

window.addEventListener("popstate", () => {
  const previous = snapshot;
  snapshot = read();
  announce(previous);
});
