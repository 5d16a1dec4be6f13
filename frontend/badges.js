// How a session's kind and conditions read at a glance: the badges and the one-line summary
// shared by the program list and the session page.

import { html } from "./html.js";
import { t } from "./i18n.js";

/** Badges for format, access and status: closed, on-site only, online only, hybrid, … */
export function sessionBadges(session) {
  const badges = [];
  if (session.status !== "scheduled") {
    badges.push({ kind: `status-${session.status}`, text: t(`status.${session.status}`) });
  }
  if (session.access === "invite_only") {
    badges.push({ kind: "closed", text: t("access.invite_only") });
  } else if (session.access === "registered") {
    badges.push({ kind: "registration", text: t("access.registered") });
  }
  badges.push({ kind: `format-${session.format}`, text: t(`badge.${session.format}`) });
  return html`<ul class="badges">${badges.map(
    (badge) => html`<li class="badge badge-${badge.kind}" data-badge="${badge.kind}">${badge.text}</li>`,
  )}</ul>`;
}

/** "Panel discussion · Hall B · ● Industry" */
export function sessionKicker(session) {
  const parts = [html`<span class="kicker-type">${t(`type.${session.type}`)}</span>`];
  if (session.venue) parts.push(html`<span class="kicker-venue">${session.venue.name}</span>`);
  if (session.track) {
    parts.push(html`<span class="kicker-track"><span class="track-dot" aria-hidden="true"
      style="background:${session.track.color}"></span>${session.track.name}</span>`);
  }
  return html`<p class="kicker">${parts.map((part, i) => html`${i ? html`<span class="sep" aria-hidden="true">·</span>` : ""}${part}`)}</p>`;
}
