// The pieces of the stage's pages as markup: the links into them from the live room, a
// speaker's place on the stage (backstage page), the moderator console's sources, and the
// level bars both pages share. Pure functions of what they are given (the stage's state is
// stage-state.js's); names come from the server and always go through html``.
//
// Levels and preview pictures change several times a second: the markup only makes room for
// them (`data-level`, `data-preview`) and the pages fill them in place, so the buttons next
// to them are never redrawn under a person's pointer.

import { html } from "./html.js";
import { t } from "./i18n.js";
import { hrefFor } from "./state.js";

/** Whether the signed-in person is a speaker or moderator of this session (or organises its
 * forum). The server decides anyway; this only chooses which links to offer. */
export function speaksHere(person, forumSlug, sessionId) {
  return (person?.roles || []).some((grant) => (grant.role === "organiser" && grant.forum_slug === forumSlug)
    || (["speaker", "moderator"].includes(grant.role) && String(grant.session) === String(sessionId)));
}

/** The live room's links to the backstage (for those who may speak) and the console; an
 * invited attendee is told why the backstage is open to them. */
export function stageLinks({ speaker, moderator, invited }) {
  const guest = invited && !speaker && !moderator;
  const links = [];
  if (speaker || moderator || invited) {
    links.push(html`<a class="button${guest ? " button-primary" : ""}" href="${hrefFor({ view: "backstage" })}"
      data-testid="backstage-link" data-focus-key="backstage-link">🎙 ${t("backstage.link")}</a>`);
  }
  if (moderator) {
    links.push(html`<a class="button" href="${hrefFor({ view: "console" })}" data-testid="console-link"
      data-focus-key="console-link">🎛 ${t("console.link")}</a>`);
  }
  if (!links.length) return "";
  return html`${guest ? html`<p class="room-note room-note-info">${t("backstage.invitedNote")}</p>` : ""}
    <p class="stage-links">${links}</p>`;
}

/** A level bar, 0 to 100 %, filled in place by the page (`data-level` = what it measures). */
export function levelBar(key, label) {
  return html`<div class="level" role="meter" aria-label="${label}" aria-valuemin="0" aria-valuemax="100"
    aria-valuenow="0" data-level="${key}"><span class="level-fill"></span></div>`;
}

/** Fill a level bar drawn by levelBar (rounded to whole percents, changed only when it moved). */
export function showLevel(bar, level) {
  const percent = Math.round(Math.min(1, Math.max(0, Number(level) || 0)) * 100);
  if (bar.getAttribute("aria-valuenow") === String(percent)) return;
  bar.setAttribute("aria-valuenow", String(percent));
  bar.firstElementChild.style.width = `${percent}%`;
}

// --- backstage: the speaker's own place --------------------------------------------------------

/**
 * Where a speaker stands, for the backstage page: `phase` is what the page is doing
 * ("off", "joining", "live", "removed") and `mine` their source in the stage's state (or null).
 */
export function place(phase, mine) {
  const where = phase === "live" ? mine?.state || "backstage" : phase;
  const lines = [html`<strong>${t(`backstage.place.${where}`)}</strong>`];
  lines.push(html`<span>${t(`backstage.placeHint.${where}`)}</span>`);
  if (phase === "live" && mine?.muted) lines.push(html`<span class="place-muted" data-testid="backstage-muted">🔇 ${t("backstage.muted")}</span>`);
  return html`<div class="place place-${where}" data-testid="backstage-state" data-state="${where}"
    data-muted="${String(Boolean(mine?.muted))}">${lines}</div>`;
}

/** Why feeds this person sent (a browser, or an encoder over WHIP) could not connect. */
export function failedFeeds(sources) {
  return sources.map((s) => html`<p class="room-note room-note-error" data-testid="backstage-failed" data-failure="${s.failure}">
    ${t("backstage.failedFeed", { reason: t(`stage.failure.${s.failure}`) })}</p>`);
}

/** The join or leave button for the phase the page is in. */
export function publishButton(phase, ready) {
  if (phase === "live") {
    return html`<button type="button" class="button" data-leave data-focus-key="publish">${t("backstage.leave")}</button>`;
  }
  const busy = phase === "joining";
  const disabled = busy || !ready;
  return html`<button type="button" class="button button-primary" data-join data-focus-key="publish"
    ${disabled ? html`aria-disabled="true"` : ""}>${t(busy ? "backstage.joining" : "backstage.join")}</button>`;
}

/** The options of a device choice; `chosen` is the device in use. */
export function deviceOptions(devices, chosen) {
  if (!devices.length) return html`<option value="">${t("devices.noneFound")}</option>`;
  return devices.map((d) => html`<option value="${d.id}" ${d.id === chosen ? html`selected` : ""}>${d.label}</option>`);
}

// --- console: the moderator's view of every source ---------------------------------------------

/** "On air: Sofia Speaker" or "Nothing is on air", said politely when it changes. */
export function onAirLine(state) {
  if (!state) return "";
  const source = state.sources.find((s) => s.id === state.on_air);
  return html`<p class="on-air-line${source ? " is-live" : ""}" data-testid="console-on-air">${source
    ? html`<span class="live-dot" aria-hidden="true"></span> ${t("console.onAir", { name: source.name })}`
    : t("console.nothingOnAir")}</p>`;
}

/** Every source as a card with its controls; `confirming` is the one being removed. */
export function sources(state, confirming) {
  if (!state) return html`<p class="notice-loading">${t("console.loading")}</p>`;
  if (!state.sources.length) return html`<p class="room-empty" data-testid="console-empty">${t("console.empty")}</p>`;
  return html`<ul class="source-grid" data-testid="sources">${state.sources.map((s) => sourceCard(s, s.id === confirming))}</ul>`;
}

function sourceCard(s, confirming) {
  const name = s.name;
  const tags = [html`<span class="tag tag-source-${s.state}">${t(`stage.state.${s.state}`)}</span>`];
  if (s.muted) tags.push(html`<span class="tag tag-muted">🔇 ${t("stage.muted")}</span>`);
  if (s.guest) tags.push(html`<span class="tag tag-guest" data-testid="source-guest">${t("stage.guest")}</span>`);
  if (s.failure) tags.push(html`<span class="tag tag-failed" data-testid="source-failed">${t("stage.failed")}</span>`);
  return html`<li class="source source-${s.state}" data-source-id="${s.id}" data-testid="source" data-state="${s.state}"
      aria-labelledby="source-name-${s.id}">
    <div class="source-preview">
      <img data-preview="${s.id}" alt="${t("console.previewOf", { name })}" hidden>
      <p class="source-no-preview" data-no-preview="${s.id}">${t("console.noPreview")}</p>
      ${s.state === "air" ? html`<span class="source-air-mark">${t("stage.state.air")}</span>` : ""}
    </div>
    ${levelBar(s.id, t("console.levelOf", { name }))}
    <p class="source-name" id="source-name-${s.id}">${name}</p>
    <p class="source-tags" data-testid="source-state">${tags}</p>
    ${s.failure ? html`<p class="room-note room-note-error" data-testid="source-failure"
      data-failure="${s.failure}">${t(`stage.failure.${s.failure}`)}</p>` : ""}
    ${confirming ? removal(s) : controls(s)}
  </li>`;
}

function controls(s) {
  const name = s.name;
  const button = (data, label, aria, primary = false) => html`<button type="button"
    class="button${primary ? " button-primary" : ""}" ${data} aria-label="${aria}">${label}</button>`;
  const toStage = s.state === "backstage";
  const remove = button(html`data-remove="${s.id}" data-focus-key="remove-${s.id}"`, t("console.remove"), t("console.removeLabel", { name }));
  if (s.failure) return html`<p class="source-actions">${remove}</p>`; // it cannot be taken or moved
  return html`<p class="source-actions">
    ${s.state === "air" ? "" : button(html`data-take="${s.id}" data-focus-key="take-${s.id}"`,
      t("console.take"), t("console.takeLabel", { name }), true)}
    ${button(html`data-move="${s.id}" data-to="${toStage ? "stage" : "backstage"}" data-focus-key="move-${s.id}"`,
      t(toStage ? "console.toStage" : "console.toBackstage"),
      t(toStage ? "console.toStageLabel" : "console.toBackstageLabel", { name }))}
    ${button(html`data-mute-source="${s.id}" data-value="${String(!s.muted)}" data-focus-key="mute-${s.id}"`,
      t(s.muted ? "console.unmute" : "console.mute"),
      t(s.muted ? "console.unmuteLabel" : "console.muteLabel", { name }))}
    ${remove}
  </p>`;
}

function removal(s) {
  return html`<div class="source-confirm" role="group" aria-labelledby="confirm-${s.id}">
    <p id="confirm-${s.id}">${t("console.removeConfirm", { name: s.name })}</p>
    <p class="source-actions">
      <button type="button" class="button button-danger" data-remove-confirmed="${s.id}"
        data-focus-key="remove-yes-${s.id}">${t("console.removeYes")}</button>
      <button type="button" class="button" data-remove-cancel="${s.id}" data-focus-key="remove-no-${s.id}">${t("console.removeNo")}</button>
    </p>
  </div>`;
}

/**
 * The frame of a stage page (`name`: "backstage" or "console"): back to the room, the header
 * and connection parts its page paints, and `body` (the page when ready, else why not).
 */
export function stagePage(name, status, body) {
  return html`<section class="wrap stage-page ${name}-page" aria-labelledby="${name}-title" data-testid="${name}-page"
      data-status="${status}">
    <a class="back-link" href="${hrefFor({ view: "room" })}" data-focus-key="back" data-testid="${name}-back"><span
      aria-hidden="true">←</span> ${t("backstage.back")}</a>
    <header class="room-head stage-head">
      <div data-part="header"></div>
      <p class="room-status"><span data-part="connection"></span></p>
    </header>
    ${body}
  </section>`;
}

/** A stage page's heading: its kicker (`icon` and the page's own word), then the session. */
export function stageHeader(name, icon, session) {
  return html`<p class="kicker">${icon} ${t(`${name}.kicker`)}</p>
    <h2 id="${name}-title" tabindex="-1" data-focus-key="${name}-title">${session ? session.title : t(`${name}.title`)}</h2>`;
}

/**
 * A stage page that is not ready, and why: still loading (`loading`: its text key), nobody
 * signed in (`signIn`), an error to retry (`failure`), or refused (`refusal`: the text key for
 * the status), with the way back to the room.
 */
export function stageNotReady(name, status, { loading, signIn, refusal, failure }) {
  if (status === "loading") return html`<p class="notice notice-loading" role="status">${t(loading)}</p>`;
  if (status === "signin") {
    return html`<div class="empty-state" data-testid="${name}-signin"><p>${t(signIn)}</p>
      <a class="button button-primary" href="${hrefFor({ view: "signin" })}" data-focus-key="signin">${t("account.signIn")}</a></div>`;
  }
  if (status === "error") {
    return html`<div class="notice notice-error" role="alert">
      <p>${t("room.error", { message: failure?.message ?? "" })}</p>
      <button type="button" class="button" data-retry data-focus-key="retry">${t("program.retry")}</button>
    </div>`;
  }
  return html`<div class="notice notice-error" role="alert" data-testid="${name}-refused">
    <p>${t(refusal(status))}</p>
    <p class="actions"><a class="button" href="${hrefFor({ view: "room" })}" data-focus-key="refused-back">${t("backstage.back")}</a></p>
  </div>`;
}
