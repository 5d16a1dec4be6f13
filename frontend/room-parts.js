// The pieces of a session's live room page as markup: pure functions of the room's state (see
// <pv-room>, which holds that state and acts on clicks). Everything a person typed goes
// through html`` and so is always shown as text, never as markup.
//
// `v` is the room as one person sees it: `{room, staff, me, moderator, zone}` where `room` is
// the session room's snapshot, `staff` the staff room's (moderators; null until joined).

import { html } from "./html.js";
import { lang, t } from "./i18n.js";
import { momentIn } from "./time.js";

export const REACTIONS = ["👏", "👍", "❤️", "🔥", "😂", "🤔", "🎉"];
export const TABS = ["chat", "qa", "polls"];
export const SLOW_MODE_CHOICES = [0, 5, 10, 30, 60, 120];

const at = (iso, v) => momentIn(iso, v.zone);

/** "Connected", "Reconnecting…": the socket's state, for everyone to see. */
export function connection(state) {
  return html`<span class="connection connection-${state}" data-testid="connection" data-state="${state}">
    <span class="connection-dot" aria-hidden="true"></span>${t(`room.connection.${state}`)}</span>`;
}

export function presence(counts) {
  if (!counts) return "";
  return html`<span class="room-presence" data-testid="presence"><span aria-hidden="true">👥</span>
    ${t("room.presence.online", { count: counts.online })}
    ${counts.onsite ? html`<span class="muted">· ${t("room.presence.onsite", { count: counts.onsite })}</span>` : ""}</span>`;
}

/** The newest announcement in a banner; earlier ones folded away under it. Those made to the
 * whole forum (`forumWide`) say so. */
export function announcements(list, v) {
  if (!list.length) return "";
  const [latest, ...earlier] = [...list].reverse();
  const item = (a) => html`<p class="announcement-text">${a.text}</p>
    <p class="announcement-meta">${a.author.name} · ${at(a.created_at, v)}${a.forumWide
      ? html` · <span class="tag">${t("room.announce.forumWide")}</span>` : ""}</p>`;
  return html`<section class="announcements" aria-label="${t("room.announcements")}" data-testid="announcements">
    <div class="announcement" data-announcement-id="${latest.id}">
      <span class="announcement-mark" aria-hidden="true">📣</span><div>${item(latest)}</div>
    </div>
    ${earlier.length ? html`<details class="announcements-earlier">
      <summary>${t("room.announce.earlier", { count: earlier.length })}</summary>
      <ul>${earlier.map((a) => html`<li>${item(a)}</li>`)}</ul>
    </details>` : ""}
  </section>`;
}

/** The marathon's latest handover: who is on air now (or that the relay has ended). */
export function handover(latest) {
  if (!latest) return "";
  const city = (who) => (lang() === "ru" ? who.city_ru : who.city);
  const text = latest.to
    ? t("room.handover.now", { city: city(latest.to) })
    : t("room.handover.ended");
  return html`<p class="notice handover" role="status" data-testid="handover">📡 ${text}</p>`;
}

// --- chat ------------------------------------------------------------------------------------

/** One chat message (a list item keyed by id, see <pv-room>'s keyed list). */
export function message(m, v) {
  const mine = m.user.id === v.me.id;
  const time = at(m.created_at, v);
  const name = m.user.name;
  return html`<li class="message${mine ? " is-mine" : ""}" data-message-id="${m.id}" data-testid="message">
    <p class="message-meta"><span class="message-author">${name}</span>${mine ? html` <span class="muted">(${t("room.you")})</span>` : ""}
      <time class="message-time" datetime="${m.created_at}">${time}</time>
      ${m.edited_at ? html`<span class="muted">· ${t("room.chat.edited")}</span>` : ""}</p>
    <p class="message-text" data-testid="message-text">${m.text}</p>
    ${mine || v.moderator ? html`<p class="message-actions">
      <button type="button" class="link-button" data-delete-message="${m.id}" data-focus-key="delete-${m.id}"
        aria-label="${t("room.chat.deleteLabel", { name, time })}">${t("room.chat.delete")}</button>
      ${v.moderator && !mine ? html`<button type="button" class="link-button" data-mute="${m.user.id}"
        data-name="${name}" data-focus-key="mute-${m.id}"
        aria-label="${t("room.chat.muteLabel", { name })}">${t("room.chat.mute")}</button>` : ""}
    </p>` : ""}
  </li>`;
}

/** What limits my chat right now: a mute, slow mode. */
export function chatStatus(v, now) {
  const lines = [];
  const until = v.me.muted_until;
  if (until && Date.parse(until) > now) {
    lines.push(html`<p class="room-note room-note-warning" data-testid="muted">${t("room.chat.muted", { time: at(until, v) })}</p>`);
  }
  const slow = v.room.settings.slow_mode_seconds;
  if (slow > 0) {
    lines.push(html`<p class="room-note" data-testid="slow-mode">${t("room.chat.slowMode", { seconds: slow })}</p>`);
  }
  return lines;
}

export function chatSettings(v) {
  const current = v.room.settings.slow_mode_seconds;
  const choices = SLOW_MODE_CHOICES.includes(current) ? SLOW_MODE_CHOICES : [...SLOW_MODE_CHOICES, current];
  return html`<div class="room-settings">
    <label for="room-slow-mode">${t("room.settings.slowMode")}</label>
    <select id="room-slow-mode" name="slow_mode_seconds" data-setting="slow_mode_seconds" data-focus-key="slow-mode">
      ${choices.map((s) => html`<option value="${s}" ${s === current ? html`selected` : ""}>${s
        ? t("room.settings.every", { seconds: s }) : t("room.settings.off")}</option>`)}
    </select>
  </div>`;
}

// --- questions -------------------------------------------------------------------------------

/** Pinned first, then by votes, then the oldest first. */
export function byStanding(a, b) {
  return (b.pinned - a.pinned) || (b.votes - a.votes) || (a.id - b.id);
}

function askerOf(q, v) {
  if (!q.anonymous) return q.author ? q.author.name : "";
  const known = q.author || v.staff?.questions.find((s) => s.id === q.id)?.author;
  if (v.moderator && known) return t("room.qa.anonymousStaff", { name: known.name });
  if (known && known.id === v.me.id) return t("room.qa.anonymousStaff", { name: known.name });
  return t("room.qa.anonymousAuthor");
}

function moderation(q) {
  const button = (action, label, value = true) => html`<button type="button" class="link-button"
    data-moderate="${action}" data-question="${q.id}" data-value="${String(value)}"
    data-focus-key="${action}-${value}-${q.id}">${label}</button>`;
  if (q.status === "pending") {
    return html`<p class="question-actions">${button("approve", t("room.qa.approve"))}
      ${button("archive", t("room.qa.archive"))}</p>`;
  }
  return html`<p class="question-actions">
    ${q.pinned ? button("pin", t("room.qa.unpin"), false) : button("pin", t("room.qa.pin"))}
    ${q.status === "answered" ? button("answer", t("room.qa.unanswer"), false) : button("answer", t("room.qa.answer"))}
    ${button("archive", t("room.qa.archive"))}
  </p>`;
}

export function question(q, v, { votable = true } = {}) {
  const voted = v.me.votes.includes(q.id);
  const votes = t("room.qa.votes", { count: q.votes });
  return html`<li class="question${q.pinned ? " is-pinned" : ""}${q.status === "answered" ? " is-answered" : ""}"
      data-question-id="${q.id}" data-testid="question">
    ${votable ? html`<button type="button" class="vote-button" data-upvote="${q.id}" data-focus-key="upvote-${q.id}"
      aria-pressed="${String(voted)}" ${voted ? html`aria-disabled="true"` : ""}
      aria-label="${t("room.qa.upvoteLabel", { text: q.text })} (${votes})">
      <span aria-hidden="true">▲</span><span class="vote-count" data-testid="votes">${q.votes}</span></button>` : ""}
    <div class="question-body">
      <p class="question-meta">
        ${q.pinned ? html`<span class="tag tag-pinned" data-testid="pinned">📌 ${t("room.qa.pinned")}</span>` : ""}
        ${q.status === "answered" ? html`<span class="tag tag-answered">✓ ${t("room.qa.answered")}</span>` : ""}
        ${q.status === "pending" ? html`<span class="tag tag-pending" data-testid="pending">${t("room.qa.pending")}</span>` : ""}
        <span class="question-author">${askerOf(q, v)}</span>
        <time class="muted" datetime="${q.created_at}">${at(q.created_at, v)}</time>
      </p>
      <p class="question-text" data-testid="question-text">${q.text}</p>
      ${voted ? html`<p class="my-vote" data-testid="my-vote">✓ ${t("room.qa.voted")}</p>` : ""}
      ${v.moderator ? moderation(q) : ""}
    </div>
  </li>`;
}

/** The questions everyone sees, best first. */
export function questions(v) {
  const shown = v.room.questions.filter((q) => q.status !== "pending").sort(byStanding);
  if (!shown.length) return html`<p class="room-empty" data-testid="qa-empty">${t("room.qa.empty")}</p>`;
  return html`<ol class="questions" aria-label="${t("room.qa.list")}" data-testid="questions">
    ${shown.map((q) => question(q, v))}</ol>`;
}

/** My own questions a moderator has not approved yet (others do not see them). */
export function myPending(v) {
  const mine = v.room.questions.filter((q) => q.status === "pending");
  if (!mine.length || v.moderator) return "";
  return html`<section class="my-pending" aria-labelledby="my-pending-title" data-testid="my-pending">
    <h4 id="my-pending-title">${t("room.qa.mine")}</h4>
    <ol class="questions">${mine.map((q) => question(q, v, { votable: false }))}</ol>
  </section>`;
}

/** For moderators: questions waiting for approval, with their askers. */
export function review(v) {
  if (!v.staff) return "";
  const waiting = v.staff.questions.filter((q) => q.status === "pending");
  return html`<section class="staff-box" aria-labelledby="review-title" data-testid="review">
    <h4 id="review-title">${t("room.qa.review")}</h4>
    ${waiting.length
      ? html`<ol class="questions">${waiting.map((q) => question(q, v, { votable: false }))}</ol>`
      : html`<p class="muted">${t("room.qa.reviewEmpty")}</p>`}
  </section>`;
}

/** What everyone should know before asking: questions wait for a moderator. */
export function qaStatus(v) {
  if (!v.room.settings.premoderation) return "";
  return html`<p class="room-note" data-testid="premoderated">${t("room.qa.premoderated")}</p>`;
}

export function qaSettings(v) {
  return html`<label class="check room-settings">
    <input type="checkbox" name="premoderation" data-setting="premoderation" data-focus-key="premoderation"
      ${v.room.settings.premoderation ? html`checked` : ""}> ${t("room.settings.premoderation")}</label>`;
}

// --- polls -----------------------------------------------------------------------------------

/** Whether this person sees a poll's counts: moderators always, others once they may. */
function resultsShown(poll, v, voted) {
  if (poll.counts === null) return false;
  return v.moderator || poll.state === "closed" || (poll.results === "after_vote" && voted);
}

function results(poll, mine) {
  // Shares of voters: with several choices each, they may add up to more than 100 %.
  const total = poll.voters ?? poll.counts.reduce((sum, n) => sum + n, 0);
  return html`<ol class="poll-results" data-testid="poll-results">
    ${poll.options.map((label, i) => {
      const n = poll.counts[i];
      const share = total ? Math.round((n / total) * 100) : 0;
      return html`<li class="poll-result${mine.includes(i) ? " is-mine" : ""}" data-testid="poll-result">
        <span class="poll-label">${label}${mine.includes(i) ? html` <span class="tag">${t("room.polls.yourChoice")}</span>` : ""}</span>
        <span class="poll-figure" data-testid="poll-count">${n} · ${share}%</span>
        <span class="poll-bar" aria-hidden="true"><span style="width:${share}%"></span></span>
      </li>`;
    })}
  </ol>
  <p class="muted poll-total" data-testid="poll-total">${t("room.polls.total", { count: total })}</p>`;
}

function ballot(poll) {
  if (!poll.multiple) {
    return html`<div class="poll-choices" role="group" aria-label="${t("room.polls.single")}">
      ${poll.options.map((label, i) => html`<button type="button" class="button" data-vote-poll="${poll.id}"
        data-choice="${i}" data-focus-key="vote-${poll.id}-${i}" aria-label="${t("room.polls.voteFor", { option: label })}">${label}</button>`)}
    </div>`;
  }
  return html`<form class="poll-ballot" data-form="poll-vote" data-poll="${poll.id}">
    <fieldset><legend class="visually-hidden">${poll.question}</legend>
      ${poll.options.map((label, i) => html`<label class="check"><input type="checkbox" name="choice" value="${i}"
        data-focus-key="choice-${poll.id}-${i}"> ${label}</label>`)}
    </fieldset>
    <button type="submit" class="button button-primary" data-focus-key="ballot-${poll.id}">${t("room.polls.vote")}</button>
  </form>`;
}

function pollControls(poll) {
  if (poll.state === "closed") return "";
  const open = poll.state === "draft";
  return html`<p class="poll-controls"><button type="button" class="button${open ? " button-primary" : ""}"
    data-move-poll="${open ? "open" : "close"}" data-poll="${poll.id}" data-focus-key="move-${poll.id}">
    ${t(open ? "room.polls.open" : "room.polls.close")}</button></p>`;
}

export function poll(p, v, note) {
  const mine = v.me.poll_votes[String(p.id)] || [];
  const voted = mine.length > 0;
  let body;
  if (resultsShown(p, v, voted)) body = results(p, mine);
  else if (p.state === "open" && !voted) body = ballot(p);
  else if (p.state === "draft") body = html`<p class="muted">${t("room.polls.draftNote")}</p>`;
  else body = html`<p class="muted" data-testid="poll-thanks">${t("room.polls.thanks")}</p>`;
  if (p.state === "open" && !voted && resultsShown(p, v, voted)) body = [ballot(p), body];
  return html`<li class="poll poll-${p.state}" data-poll-id="${p.id}" data-testid="poll">
    <h4 class="poll-question" id="poll-${p.id}" tabindex="-1" data-focus-key="poll-${p.id}">${p.question}</h4>
    <p class="poll-tags"><span class="tag tag-poll-${p.state}">${t(`room.polls.state.${p.state}`)}</span>
      <span class="muted">${t(p.multiple ? "room.polls.multiple" : "room.polls.single")} ·
      ${t(p.results === "after_vote" ? "room.polls.afterVote" : "room.polls.onClose")}</span></p>
    ${body}
    ${note}
    ${v.moderator ? pollControls(p) : ""}
  </li>`;
}

/** Newest first; moderators see the staff room's list (with drafts and live counts). */
export function polls(v, noteFor) {
  const list = (v.moderator && v.staff ? v.staff.polls : v.room.polls).slice().reverse();
  if (!list.length) return html`<p class="room-empty" data-testid="polls-empty">${t("room.polls.empty")}</p>`;
  return html`<ol class="polls">${list.map((p) => poll(p, v, noteFor(p.id)))}</ol>`;
}

/** The option fields of the poll creator. */
export function pollOptions(options) {
  return options.map((value, i) => html`<div class="poll-option">
    <label for="poll-option-${i}" class="visually-hidden">${t("room.create.option", { n: i + 1 })}</label>
    <input id="poll-option-${i}" name="option" data-option="${i}" maxlength="120" value="${value}"
      placeholder="${t("room.create.option", { n: i + 1 })}" data-focus-key="option-${i}">
    ${options.length > 2 ? html`<button type="button" class="link-button" data-remove-option="${i}"
      data-focus-key="remove-option-${i}" aria-label="${t("room.create.remove", { n: i + 1 })}">✕</button>` : ""}
  </div>`);
}

// --- reactions, hands, people ----------------------------------------------------------------

/** The reaction bar; `recent` counts each emoji's reactions of the last seconds. */
export function reactions(recent) {
  return REACTIONS.map((emoji) => {
    const count = recent.get(emoji) || 0;
    const name = t(`room.reaction.${emoji}`);
    return html`<button type="button" class="reaction${count ? " is-bursting" : ""}" data-react="${emoji}"
      data-focus-key="react-${emoji}" aria-label="${name}" title="${name}">
      <span aria-hidden="true">${emoji}</span>
      ${count ? html`<span class="reaction-count" data-testid="reaction-count"
        aria-label="${t("room.reaction.recent", { count })}">${count}</span>` : ""}
    </button>`;
  });
}

/** Where my raised hand stands (said politely when it changes: the button is drawn apart). */
export function handState(me) {
  const status = me.hand;
  return html`<span data-testid="hand-state" data-hand-state="${status || "none"}">${t(status ? `room.hand.${status}` : "room.hand.none")}</span>`;
}

export function hand(me) {
  const status = me.hand;
  return html`<button type="button" class="button${status ? "" : " button-primary"}" data-hand="${status ? "lower" : "raise"}"
      data-focus-key="hand">✋ ${t(status ? "room.hand.lower" : "room.hand.raise")}</button>`;
}

export function hands(v) {
  const queue = v.staff?.hands || [];
  if (!queue.length) return html`<p class="muted">${t("room.staff.handsEmpty")}</p>`;
  return html`<ol class="hand-queue" data-testid="hand-queue">${queue.map((h) => {
    const name = h.user.name;
    return html`<li class="hand-item">
      <span><strong>${name}</strong>
        ${h.status === "invited" ? html`<span class="tag tag-answered">${t("room.staff.invited")}</span>` : ""}
        <span class="muted">${t("room.staff.raisedAt", { time: at(h.raised_at, v) })}</span></span>
      <span class="hand-actions">
        ${h.status === "raised" ? html`<button type="button" class="link-button" data-invite="${h.user.id}"
          data-focus-key="invite-${h.user.id}" aria-label="${t("room.staff.inviteLabel", { name })}">${t("room.staff.invite")}</button>` : ""}
        <button type="button" class="link-button" data-lower="${h.user.id}" data-focus-key="lower-${h.user.id}"
          aria-label="${t("room.staff.lowerLabel", { name })}">${t("room.staff.lower")}</button>
      </span>
    </li>`;
  })}</ol>`;
}

export function people(v) {
  const list = v.staff?.people || [];
  if (!list.length) return html`<p class="muted">${t("room.staff.peopleEmpty")}</p>`;
  return html`<ul class="people" data-testid="people">${list.map((p) => html`<li>${p.name}
    ${p.onsite ? html`<span class="tag tag-onsite">${t("room.staff.onsite")}</span>` : ""}</li>`)}</ul>`;
}

/** A short message under a form or a control: `{kind: "error"|"info", text}`. */
export function note(found) {
  if (!found) return "";
  const role = found.kind === "error" ? "alert" : "status";
  const undo = found.undo ? html` <button type="button" class="link-button" data-unmute="${found.undo}"
    data-name="${found.name}" data-focus-key="unmute">${t("room.chat.unmute")}</button>` : "";
  return html`<p class="room-note room-note-${found.kind}" role="${role}">${found.text}${undo}</p>`;
}
