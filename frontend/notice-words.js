// A notice in words: what it says (in the page's language, every time in the viewer's zone with
// its label, the host city's own time beside it) and where it leads (its session's page).
//
// The server sends a notice's facts, never its prose: `data` holds the session's titles in both
// languages, its UTC times and host zone, and per kind `deadline`, `was_starts_at`, `minutes`,
// or `role` with `scope_en`/`scope_ru`.

import { lang, t } from "./i18n.js";
import { hrefFor, viewerZone } from "./state.js";
import { dateIn, dayMomentIn, formatShortDay, momentIn, wallTime } from "./time.js";

/** Every kind of notice, in the order the account page lists them. */
export const NOTICE_KINDS = [
  "seat_offered", "session_moved", "session_delayed", "session_cancelled", "session_restored",
  "reminder", "invited", "role_granted", "role_withdrawn",
];

/** A text in the page's language out of a pair, else whichever one there is. */
function either(data, name) {
  const own = data[`${name}_${lang()}`];
  return own || data[`${name}_en`] || data[`${name}_ru`] || "";
}

/** "Sun 28 Mar, 12:00–13:30 WIB" in `zone`. */
function span(startsAt, endsAt, zone) {
  const day = formatShortDay(dateIn(Date.parse(startsAt), zone));
  if (!endsAt) return `${day}, ${momentIn(startsAt, zone)}`;
  return `${day}, ${wallTime(startsAt, zone)}–${momentIn(endsAt, zone)}`;
}

/** When the session is, in the viewer's zone; with the host city's own time when it differs. */
export function whenOf(data, zone = viewerZone()) {
  if (!data.starts_at) return "";
  const here = span(data.starts_at, data.ends_at, zone);
  const host = data.host_tz;
  if (!host || host === zone || momentIn(data.starts_at, host) === momentIn(data.starts_at, zone)) {
    return here;
  }
  const city = either(data, "host_city");
  return t("notices.hostTime", { when: here, city: city || host, time: momentIn(data.starts_at, host) });
}

/** What a role is called, whichever kind it is. */
export function roleName(role) {
  return t(`roles.role.${role}`);
}

function words(notice, zone) {
  const data = notice.data || {};
  return {
    title: either(data, "title"),
    when: whenOf(data, zone),
    at: data.starts_at ? momentIn(data.starts_at, zone) : "",
    was: data.was_starts_at ? dayMomentIn(data.was_starts_at, zone) : "",
    deadline: data.deadline ? dayMomentIn(data.deadline, zone) : "",
    minutes: data.minutes ?? "",
    role: data.role ? roleName(data.role) : "",
    scope: either(data, "scope"),
  };
}

/** The notice in a sentence or two, for the panel. */
export function noticeText(notice, zone = viewerZone()) {
  const key = `notices.${notice.kind}`;
  return t(NOTICE_KINDS.includes(notice.kind) ? key : "notices.other", words(notice, zone));
}

/** The notice in a short line, for a toast: "Session moved: … now 12:00 WIB". */
export function noticeToast(notice, zone = viewerZone()) {
  const key = `notices.toast.${notice.kind}`;
  return t(NOTICE_KINDS.includes(notice.kind) ? key : "notices.other", words(notice, zone));
}

/** Where the notice leads: its session's page, else its forum's; null when neither is known. */
export function noticeLink(notice) {
  const forum = notice.data?.forum;
  if (!forum) return null;
  const session = notice.session ?? notice.data?.session ?? null;
  return hrefFor({ forum, session, view: null, marathon: null, date: null, venue: null, type: null, format: null });
}

/** When the notice was made, in the viewer's zone. */
export function noticeTime(notice, zone = viewerZone()) {
  return dayMomentIn(notice.created_at, zone);
}
