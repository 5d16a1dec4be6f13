// The program editor's markup (<pv-editor> holds the behaviour): a session's draft and its
// form, the cast's rows, a venue's, track's, person's or the forum's form, and the rows of
// the lists with their actions and the "really delete?" box.

import { FIELDS, PRESENCES, ROLES, SESSION_FIELDS, SESSION_GROUPS, control, named } from "./editor-parts.js";
import { html } from "./html.js";
import { lang, t } from "./i18n.js";
import { dateIn, wallTime, zoneNameAt } from "./time.js";

/** The form's copy of a session (`SessionEdit`), or a new one in the forum's city and zone. */
export function sessionDraft(session, forum) {
  if (!session) {
    return {
      slug: "", title_en: "", title_ru: "", abstract_en: "", abstract_ru: "", type: "panel",
      format: "hybrid", access: "public", language: "ru", date: forum.starts_on, start: "10:00",
      end: "11:00", end_date: null, host_tz: forum.tz, host_city_en: forum.city_en,
      host_city_ru: forum.city_ru, venue: null, track: null, capacity_onsite: null,
      capacity_online: null, departure_point_en: "", departure_point_ru: "", departure_time: null, cast: [],
    };
  }
  const draft = {};
  for (const spec of SESSION_FIELDS) {
    draft[spec.name] = session[spec.name] ?? (spec.nullable || spec.type === "number" ? null : "");
  }
  for (const name of ["start", "end", "departure_time"]) if (draft[name]) draft[name] = draft[name].slice(0, 5);
  draft.cast = (session.cast || []).map(({ person, role, presence }) => ({ person, role, presence }));
  return draft;
}

/** The buttons under a form: save (and, for a session, "Save anyway" and the check's state). */
function formEnd(kind, extra = "") {
  return html`<p class="form-error" role="alert" data-form-problem data-testid="editor-form-problem" hidden></p>
    <div class="editor-buttons">
      <button type="submit" class="button button-primary" data-focus-key="save-${kind}"
        data-testid="editor-save">${t("editor.save")}</button>
      ${extra}
      ${kind === "forum" ? "" : html`<button type="button" class="button button-quiet" data-close
        data-focus-key="close-${kind}" data-testid="editor-close">${t("editor.close")}</button>`}
    </div>`;
}

function venueLabel(venue) {
  const seats = venue.seats === null || venue.seats === undefined ? "" : ` (${t("editor.venues.seats", { count: venue.seats })})`;
  return `${named(venue)}${seats}`;
}

export function sessionForm(open, data) {
  const draft = open.draft;
  const choices = {
    venue: data.venues.map((venue) => [venue.slug, venueLabel(venue)]),
    track: data.tracks.map((track) => [track.slug, named(track)]),
  };
  const group = (name, extra = "") => html`<fieldset class="editor-group" data-group="${name}">
    <legend>${t(`editor.group.${name}`)}</legend>
    <div class="editor-grid">${SESSION_GROUPS[name].map((spec) =>
      control("editor-session", spec, draft[spec.name], choices[spec.name]))}</div>
    ${extra}
  </fieldset>`;
  const title = open.key === null ? t("editor.sessions.new") : t("editor.sessions.edit", { name: named(draft, "title") });
  return html`<form class="editor-form" novalidate data-form="sessions" data-testid="editor-session-form"
      aria-labelledby="editor-form-title">
    <h3 id="editor-form-title" tabindex="-1" data-focus-key="form-title">${title}</h3>
    ${group("what")}
    ${group("when", html`<p class="editor-viewer-time" id="editor-viewer-time" data-viewer-time
      data-testid="editor-viewer-time"></p>`)}
    ${group("where")}
    <fieldset class="editor-group" data-field="cast" data-testid="editor-cast">
      <legend>${t("editor.group.cast")}</legend>
      <div data-cast-list>${castRows(draft.cast, data)}</div>
      <p class="field-error" id="editor-session-cast-error" data-error-for="cast" hidden></p>
      <p class="field-warning" id="editor-session-cast-warning" data-warning-for="cast" hidden></p>
      <button type="button" class="button" data-cast-add data-focus-key="cast-add"
        data-testid="editor-cast-add">${t("editor.cast.add")}</button>
    </fieldset>
    <p class="editor-check" data-check-state aria-live="polite" data-testid="editor-check"></p>
    ${formEnd("sessions", html`<button type="button" class="button button-danger" data-save-anyway hidden
      data-focus-key="save-anyway" data-testid="editor-save-anyway">${t("editor.saveAnyway")}</button>`)}
  </form>`;
}

/** The cast: one row per person (who, in what role, on site or remote). */
export function castRows(cast, data) {
  const people = [...data.people].sort((a, b) => named(a).localeCompare(named(b), lang()));
  const choose = [["", t("editor.cast.choose")], ...people.map((person) => [person.slug, named(person)])];
  const select = (index, key, value, choices) => html`<div class="form-field">
    <label for="editor-cast-${index}-${key}">${t(`editor.cast.${key}`)}</label>
    <select id="editor-cast-${index}-${key}" data-cast="${index}" data-cast-key="${key}"
      data-focus-key="cast-${index}-${key}" data-testid="editor-cast-${key}"
      aria-describedby="editor-session-cast-error editor-session-cast-warning">${choices.map(([option, text]) =>
      html`<option value="${option}" ${option === value ? html`selected` : ""}>${text}</option>`)}</select>
  </div>`;
  const rows = cast.map((member, index) => html`<li class="editor-cast-row" data-testid="editor-cast-row">
    ${select(index, "person", member.person, choose)}
    ${select(index, "role", member.role, ROLES.map((role) => [role, t(`role.${role}`)]))}
    ${select(index, "presence", member.presence, PRESENCES.map((where) => [where, t(`presence.${where}`)]))}
    <button type="button" class="button button-quiet" data-cast-remove="${index}"
      data-focus-key="cast-${index}-remove">${t("editor.cast.remove")}<span class="visually-hidden"> ${
      named(people.find((person) => person.slug === member.person)) || index + 1}</span></button>
  </li>`);
  return cast.length ? html`<ul class="editor-cast">${rows}</ul>` : html`<p class="muted">${t("editor.cast.empty")}</p>`;
}

/** A venue's, track's, person's form, or the forum's own settings. */
export function itemForm(open, data) {
  const kind = open.kind;
  let title = t("editor.forum.title");
  if (kind !== "forum") title = open.key === null ? t(`editor.${kind}.new`) : t(`editor.${kind}.edit`, { name: named(open.draft) });
  const person = kind === "people" && open.key !== null ? data.people.find((p) => p.slug === open.key) : null;
  return html`<form class="editor-form" novalidate data-form="${kind}" data-testid="editor-form-${kind}"
      aria-labelledby="editor-form-title">
    <h3 id="editor-form-title" tabindex="-1" data-focus-key="form-title">${title}</h3>
    ${person ? html`<p class="editor-linked">${linked(person)}</p>` : ""}
    <div class="editor-grid">${FIELDS[kind].map((spec) => control(`editor-${kind}`, spec, open.draft[spec.name]))}</div>
    ${formEnd(kind)}
  </form>`;
}

function linked(person) {
  return person.linked
    ? html`<span class="badge badge-linked" data-testid="editor-linked">${t("editor.people.linked")}</span>`
    : html`<span class="badge badge-unlinked" data-testid="editor-linked">${t("editor.people.notLinked")}</span>`;
}

function facts(kind, item) {
  if (kind === "venues") {
    const seats = item.seats === null || item.seats === undefined
      ? t("editor.venues.noSeats") : t("editor.venues.seats", { count: item.seats });
    const address = named(item, "address");
    return html`${t(`kind.${item.kind}`)} · ${seats}${address ? html` · ${address}` : ""}`;
  }
  if (kind === "tracks") {
    return html`<span class="track-dot" style="background:${item.color}" aria-hidden="true"></span> ${item.color}`;
  }
  const about = [named(item, "position"), named(item, "organisation")].filter(Boolean).join(", ");
  // Only a web address is linked (never a `javascript:` one).
  const photo = /^https?:\/\//i.test(item.photo_url || "")
    ? html` · <a href="${item.photo_url}" target="_blank" rel="noopener noreferrer">${t("editor.people.photo")}</a>` : "";
  return html`${about ? html`${about} · ` : ""}${item.email || t("editor.people.noEmail")} · ${linked(item)}${photo}`;
}

/** Edit, the `middle` buttons, delete: each says which thing it is about to a screen reader. */
function actions(kind, key, name, middle = "") {
  const which = html`<span class="visually-hidden"> ${name}</span>`;
  return html`<div class="editor-row-actions">
    <button type="button" class="button" data-edit="${key}" data-kind="${kind}" data-focus-key="edit-${kind}-${key}"
      data-testid="editor-edit">${t("editor.edit")}${which}</button>
    ${middle}
    <button type="button" class="button button-quiet" data-delete="${key}" data-kind="${kind}"
      data-focus-key="delete-${kind}-${key}" data-testid="editor-delete">${t("editor.delete")}${which}</button>
  </div>`;
}

function confirmBox(text, yes) {
  return html`<div class="confirm-box editor-confirm" data-testid="editor-confirm">
    <p tabindex="-1" data-confirm-text data-focus-key="confirm-text">${text}</p>
    <div class="editor-buttons">
      <button type="button" class="button button-danger" data-delete-yes data-focus-key="delete-yes"
        data-testid="editor-confirm-yes">${yes}</button>
      <button type="button" class="button" data-delete-no data-focus-key="delete-no">${t("editor.keep")}</button>
    </div>
  </div>`;
}

export function itemRow(kind, item, confirming) {
  const name = named(item);
  const asking = confirming?.kind === kind && confirming.key === item.slug;
  return html`<li class="editor-row" data-testid="editor-item" data-kind="${kind}" data-slug="${item.slug}">
    <div class="editor-row-main">
      <h4 class="editor-row-title">${name} <code class="editor-slug">${item.slug}</code></h4>
      <p class="editor-row-facts">${facts(kind, item)}</p>
    </div>
    ${actions(kind, item.slug, name)}
    ${asking ? confirmBox(t(`editor.${kind}.confirmDelete`, { name }), t("editor.delete")) : ""}
  </li>`;
}

/** The sessions by the day they start on in `zone`, each day's in order of time. */
export function sessionsByDay(sessions, zone) {
  const days = new Map();
  const sorted = [...sessions].sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
  for (const session of sorted) {
    const day = dateIn(Date.parse(session.starts_at), zone);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(session);
  }
  return [...days];
}

export function sessionRow(session, data, confirming) {
  const zone = data.forum.tz;
  const title = named(session, "title");
  const venue = data.venues.find((v) => v.slug === session.venue);
  const which = html`<span class="visually-hidden"> ${title}</span>`;
  const start = Date.parse(session.starts_at);
  const nextDay = dateIn(Date.parse(session.ends_at), zone) !== dateIn(start, zone);
  const asking = confirming?.kind === "sessions" && confirming.key === String(session.id);
  const action = session.status === "cancelled" ? "restore" : "cancel";
  const middle = html`<button type="button" class="button" data-move="${session.id}" data-focus-key="move-${session.id}"
      data-testid="editor-move">${t("editor.sessions.move")}${which}</button>
    <button type="button" class="button" data-session-action="${action}" data-id="${session.id}"
      data-focus-key="status-sessions-${session.id}" data-testid="editor-${action}">${t(`editor.sessions.${action}`)}${which}</button>`;
  const confirmText = session.registered
    ? t("editor.sessions.confirmCancelInstead", { name: title, count: session.registered })
    : t("editor.sessions.confirmDelete", { name: title });
  return html`<li class="editor-row editor-session status-${session.status}" data-testid="editor-session"
      data-slug="${session.slug}" data-id="${session.id}" data-status="${session.status}">
    <p class="editor-row-time"><time datetime="${session.starts_at}" data-testid="editor-session-time">${
      wallTime(session.starts_at, zone)}–${wallTime(session.ends_at, zone)} ${zoneNameAt(start, zone)}</time>${
      nextDay ? html` <span class="next-day">${t("program.nextDay")}</span>` : ""}${session.host_tz !== zone
      ? html`<span class="editor-host-time">${named(session, "host_city")} ${session.start}–${session.end}</span>` : ""}</p>
    <div class="editor-row-main">
      <h4 class="editor-row-title">${title}</h4>
      <p class="editor-row-facts">${t(`type.${session.type}`)} · ${venue ? named(venue) : t("editor.sessions.noVenue")} · ${
        t("editor.sessions.registered", { count: session.registered })}</p>
    </div>
    <span class="badge badge-status-${session.status}" data-testid="editor-session-status">${t(`status.${session.status}`)}</span>
    ${actions("sessions", session.id, title, middle)}
    ${asking ? confirmBox(confirmText, session.registered ? t("editor.sessions.cancelInstead") : t("editor.delete")) : ""}
  </li>`;
}
