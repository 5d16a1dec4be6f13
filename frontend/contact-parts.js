// The pieces of a contact request as markup and text: the countdown of a call, the meeting
// slots offered when nobody could answer, a call ringing at a stand's staff desk. Pure
// functions, shared by the visitor's side (<pv-contact>) and the staff's (<pv-exhibitor>).

import { serverNow } from "./api.js";
import { html } from "./html.js";
import { t } from "./i18n.js";
import { nameOf } from "./showroom-parts.js";
import { dateIn, formatShortDay, momentIn, wallTime } from "./time.js";

/** Seconds until `expiresAt` (ISO) on the server's clock, to the nearest; never below zero. */
export function secondsLeft(expiresAt) {
  return Math.max(0, Math.round((Date.parse(expiresAt) - serverNow()) / 1000));
}

/** "0:42 left", or "Waiting for the answer…" once the time is up and the server has not said. */
export function countdownText(expiresAt) {
  const seconds = secondsLeft(expiresAt);
  if (!seconds) return t("contact.timeUp");
  const time = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return t("contact.left", { time });
}

/** A countdown, refreshed in place every second by its page (not a live region: too chatty). */
export function countdown(expiresAt, key) {
  return html`<p class="countdown" role="timer" data-countdown="${expiresAt}" data-testid="countdown"
    id="countdown-${key}">${countdownText(expiresAt)}</p>`;
}

/** Repaint every countdown inside `element`. */
export function tickCountdowns(element) {
  for (const item of element.querySelectorAll("[data-countdown]")) {
    const text = countdownText(item.dataset.countdown);
    if (item.textContent !== text) item.textContent = text;
  }
}

/** "Tue 30 Mar, 10:00–10:30 CEST": a slot (UTC instants) in the viewer's zone. */
export function slotWhen(slot, zone) {
  const day = formatShortDay(dateIn(Date.parse(slot.start), zone));
  return `${day}, ${wallTime(slot.start, zone)}–${momentIn(slot.end, zone)}`;
}

/** One meeting slot offered, with its Book button (none while a booking is on its way). */
export function offer(slot, zone, busy) {
  const when = slotWhen(slot, zone);
  const mode = t(`contact.mode.${slot.mode}`);
  return html`<li class="offer" data-testid="offer" data-slot="${slot.id}">
    <div>
      <p class="offer-when">${when}</p>
      <p class="muted">${mode} · ${t("contact.with", { name: slot.staff.name })}</p>
    </div>
    <button type="button" class="button" data-book="${slot.id}" data-focus-key="book-${slot.id}"
      ${busy ? html`aria-disabled="true"` : ""}
      aria-label="${t("contact.bookLabel", { when, name: slot.staff.name, mode })}">${t("contact.book")}</button>
  </li>`;
}

/** The meeting just booked: said so, then the meeting itself (`meetingDetails`). */
export function booked(meeting, zone, { cancelling = false } = {}) {
  return html`<div class="contact-booked" tabindex="-1" data-testid="meeting-booked" data-focus-key="booked">
    <p class="contact-state-line">✓ ${t("contact.booked")}</p>
    ${meetingDetails(meeting, zone, { cancelling, primary: true })}
    <p class="muted">${t("contact.mailed")}</p>
  </div>`;
}

/**
 * One meeting of mine, for either of its two people: when (in `zone`), how, with whom
 * (`meeting.with`, else its staff member), its calendar file, the chat where the two talk
 * (an online meeting's video call starts there) and a way to cancel it (`cancelling`: on
 * its way). `stand`: say at which stand (the staff desk lists several).
 */
export function meetingDetails(meeting, zone, { cancelling = false, primary = false, stand = false } = {}) {
  const when = slotWhen(meeting, zone);
  const name = (meeting.with || meeting.staff).name;
  const where = stand ? ` · ${nameOf(meeting.stand)}` : "";
  return html`<p><strong data-testid="meeting-when">${when}</strong></p>
    <p class="muted">${t(`contact.mode.${meeting.mode}`)} · ${t("contact.with", { name })}${where}</p>
    <div class="meeting-actions">
      ${meeting.room ? html`<button type="button" class="button${primary ? " button-primary" : ""}"
        data-meeting-chat="${meeting.id}" data-testid="meeting-chat" data-focus-key="meeting-chat-${meeting.id}"
        aria-label="${t("contact.meetingChatLabel", { name, when })}">${t("contact.meetingChat")}</button>` : ""}
      <a class="button" href="${meeting.ics}" download data-testid="meeting-ics"
        data-focus-key="meeting-ics-${meeting.id}">${t("contact.ics")}</a>
      <button type="button" class="link-button" data-cancel-meeting="${meeting.id}" data-testid="meeting-cancel"
        data-focus-key="meeting-cancel-${meeting.id}" aria-label="${t("contact.cancelMeetingLabel", { name, when })}"
        ${cancelling ? html`aria-disabled="true"` : ""}>${t(cancelling ? "contact.cancelling" : "contact.cancelMeeting")}</button>
    </div>`;
}

/** A visitor's call ringing at the staff desk: who, at which stand, what they asked. */
export function ring(call, accepting) {
  const name = call.visitor.name;
  const stand = nameOf(call.stand);
  return html`<li class="ring" data-testid="ring" data-request="${call.request}">
    <p class="ring-who"><span class="ring-pulse" aria-hidden="true"></span>
      ${t("exhibitor.ringFrom", { name, stand })}</p>
    ${call.message ? html`<blockquote class="ring-message" data-testid="ring-message">${call.message}</blockquote>` : ""}
    ${countdown(call.expires_at, `ring-${call.request}`)}
    <button type="button" class="button button-primary" data-accept="${call.request}"
      data-focus-key="accept-${call.request}" data-testid="accept" ${accepting ? html`aria-disabled="true"` : ""}
      aria-label="${t("exhibitor.acceptLabel", { name, stand })}">${t(accepting
        ? "exhibitor.accepting" : "exhibitor.accept")}</button>
  </li>`;
}
