// Invitations to closed sessions, as the invite page and the organisers' panel use them: the
// API's addresses, and the pieces both pages show (a state's badge, a session's time in a zone).

import { html } from "./html.js";
import { t } from "./i18n.js";
import { dateIn, formatDay, wallTime, zoneNameAt } from "./time.js";

const BASE = "/api/v1";
const enc = encodeURIComponent;

export const invitePaths = {
  list: (session) => `${BASE}/sessions/${enc(session)}/invites`,
  resend: (id) => `${BASE}/invites/${enc(id)}/resend`,
  revoke: (id) => `${BASE}/invites/${enc(id)}/revoke`,
  preview: (token) => `${BASE}/invites/${enc(token)}`,
  accept: () => `${BASE}/invites/accept`,
};

/** The states an invitation goes through (the API's codes). */
export const STATES = ["invited", "accepted", "registered", "revoked", "expired"];

export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** An invitation's state as a badge, in the page's language. */
export function stateBadge(state) {
  return html`<span class="badge badge-invite badge-invite-${state}" data-testid="invite-state"
    data-state="${state}">${t(`invitations.state.${state}`)}</span>`;
}

/** "Saturday, 27 March, 12:00–13:00 CET": an interval (UTC ISO strings) in `zone`. */
export function intervalIn(startIso, endIso, zone) {
  const start = Date.parse(startIso);
  const end = Date.parse(endIso);
  const day = formatDay(dateIn(start, zone));
  const endDay = dateIn(end, zone) !== dateIn(start, zone) ? `${formatDay(dateIn(end, zone))}, ` : "";
  return `${day}, ${wallTime(startIso, zone)}–${endDay}${wallTime(endIso, zone)} ${zoneNameAt(start, zone)}`;
}

/** "Saturday, 3 April, 12:00 CEST": an instant (UTC ISO) in `zone`, with its whole day. */
export function momentOn(iso, zone) {
  const instant = Date.parse(iso);
  return `${formatDay(dateIn(instant, zone))}, ${wallTime(iso, zone)} ${zoneNameAt(instant, zone)}`;
}

/** Whether the API masked the address ("g***@example.org": not the signed-in person's). */
export function isMasked(email) {
  return (email || "").includes("***@");
}
