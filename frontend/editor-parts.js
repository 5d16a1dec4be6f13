// Pieces of the program editor (<pv-editor>): the editor's API addresses; the fields of each
// kind of thing an organiser edits (forum, venues, tracks, people, sessions) and a field's
// markup with room for its error and its warning; a host city's wall clock turned into
// instants (none in a gap, two in a repeat); and the server's refusals worded in the page's
// language (the server's own message only where no wording of its code exists).

import { withoutField } from "./forms.js";
import { html } from "./html.js";
import { has, lang, t } from "./i18n.js";
import { dateIn, formatShortDay, momentIn, offsetAt } from "./time.js";

const BASE = "/api/v1";
const enc = encodeURIComponent;

/** The editor's routes (the API contract of issue 17). `kind`: venues, tracks or people. */
export const editorPaths = {
  state: (forum) => `${BASE}/forums/${enc(forum)}/editor`,
  forum: (forum) => `${BASE}/forums/${enc(forum)}`,
  items: (forum, kind) => `${BASE}/forums/${enc(forum)}/${kind}`,
  item: (forum, kind, slug) => `${BASE}/forums/${enc(forum)}/${kind}/${enc(slug)}`,
  sessions: (forum) => `${BASE}/forums/${enc(forum)}/sessions`,
  check: (forum) => `${BASE}/forums/${enc(forum)}/sessions/check`,
  session: (forum, id) => `${BASE}/forums/${enc(forum)}/sessions/${enc(id)}`,
  cancel: (forum, id) => `${BASE}/forums/${enc(forum)}/sessions/${enc(id)}/cancel`,
  restore: (forum, id) => `${BASE}/forums/${enc(forum)}/sessions/${enc(id)}/restore`,
};

export const TABS = ["sessions", "venues", "tracks", "people", "forum"];

const TYPES = [
  "strategic_session", "plenary", "panel", "round_table", "expert_session", "practical_session",
  "project_defence", "site_visit", "workshop", "networking", "concert",
];
const options = (values, prefix) => values.map((value) => [value, `${prefix}.${value}`]);
export const ROLES = ["moderator", "speaker", "expert", "host", "performer", "jury"];
export const PRESENCES = ["onsite", "remote"];
const SLUG = { name: "slug", hint: "slug", attrs: 'autocapitalize="off" spellcheck="false"' };
const text = (name) => ({ name });
const long = (name) => ({ name, type: "textarea", wide: true });

/** The fields of a venue, a track, a person (each with a `slug`), and of the forum itself. */
export const FIELDS = {
  venues: [
    SLUG, text("name_en"), text("name_ru"),
    { name: "kind", type: "select", options: options(["hall", "channel", "site"], "kind") },
    { name: "seats", type: "number", nullable: true }, text("address_en"), text("address_ru"),
    { name: "stream_url", type: "url" }, { name: "position", type: "number" },
  ],
  tracks: [SLUG, text("name_en"), text("name_ru"), { name: "color", type: "color" }],
  people: [
    SLUG, { name: "name_en", label: "person_name_en" }, { name: "name_ru", label: "person_name_ru" },
    text("position_en"), text("position_ru"),
    text("organisation_en"), text("organisation_ru"),
    { name: "country", hint: "country", attrs: 'maxlength="2" autocapitalize="characters"' },
    { name: "email", type: "email", attrs: 'autocomplete="off"' },
    { name: "photo_url", type: "url" }, long("bio_en"), long("bio_ru"),
  ],
  forum: [
    text("name_en"), text("name_ru"), text("tagline_en"), text("tagline_ru"), text("city_en"),
    text("city_ru"), { name: "tz", hint: "zone", attrs: 'list="editor-zones" autocomplete="off" spellcheck="false"' },
    { name: "starts_on", type: "date" }, { name: "ends_on", type: "date" }, { name: "url", type: "url" },
  ],
};

/** A new venue, track or person, as a form starts it. */
export const BLANK = {
  venues: { kind: "hall", seats: null, position: 0 },
  tracks: { color: "#3b6ea5" },
  people: {},
};

/** The session form's fields, in the groups the form shows them in (the cast is its own part). */
export const SESSION_GROUPS = {
  what: [
    SLUG, text("title_en"), text("title_ru"), long("abstract_en"), long("abstract_ru"),
    { name: "type", type: "select", options: options(TYPES, "type") },
    { name: "format", type: "select", options: options(["onsite", "online", "hybrid"], "format") },
    { name: "access", type: "select", options: options(["public", "registered", "invite_only"], "access") },
    { name: "language", type: "select", options: options(["ru", "en", "ru/en"], "language") },
  ],
  when: [
    { name: "date", type: "date", also: "editor-viewer-time" },
    { name: "start", type: "time", hint: "wall", also: "editor-viewer-time" },
    { name: "end", type: "time", hint: "wall", also: "editor-viewer-time" },
    { name: "end_date", type: "date", hint: "endDate", nullable: true },
    { name: "host_tz", hint: "zone", attrs: 'list="editor-zones" autocomplete="off" spellcheck="false"' },
    text("host_city_en"), text("host_city_ru"),
  ],
  where: [
    { name: "venue", type: "select", nullable: true }, { name: "track", type: "select", nullable: true },
    { name: "capacity_onsite", type: "number", nullable: true, hint: "unlimited" },
    { name: "capacity_online", type: "number", nullable: true, hint: "unlimited" },
    text("departure_point_en"), text("departure_point_ru"),
    { name: "departure_time", type: "time", nullable: true },
  ],
};
export const SESSION_FIELDS = Object.values(SESSION_GROUPS).flat();

/** A thing's name (or title, address…) in the page's language, else in the other one; a
 * nameless thing is called by its slug. */
export function named(item, base = "name") {
  const other = lang() === "ru" ? "en" : "ru";
  const slug = base === "name" || base === "title" ? item?.slug : "";
  return item?.[`${base}_${lang()}`] || item?.[`${base}_${other}`] || slug || "";
}

/** One labelled control with its hint, and boxes for its error and its warning. */
export function control(prefix, spec, value, choices = null) {
  const id = `${prefix}-${spec.name}`;
  const hint = spec.hint ? t(`editor.hint.${spec.hint}`) : "";
  const described = [hint ? `${id}-hint` : "", `${id}-error`, `${id}-warning`, spec.also || ""].filter(Boolean).join(" ");
  const common = html`id="${id}" name="${spec.name}" data-focus-key="${id}" aria-describedby="${described}"`;
  return html`<div class="form-field editor-field${spec.wide ? " editor-wide" : ""}" data-field="${spec.name}">
    <label for="${id}">${t(`editor.field.${spec.label || spec.name}`)}</label>
    ${input(spec, value ?? "", common, choices)}
    ${hint ? html`<p class="form-hint" id="${id}-hint">${hint}</p>` : ""}
    <p class="field-error" id="${id}-error" data-error-for="${spec.name}" hidden></p>
    <p class="field-warning" id="${id}-warning" data-warning-for="${spec.name}" hidden></p>
  </div>`;
}

/** `choices`: [value, text] pairs given by the caller (venues, tracks), else the spec's own
 * [value, dictionary key] pairs. */
function input(spec, value, common, choices) {
  if (spec.type === "textarea") return html`<textarea ${common} rows="3">${value}</textarea>`;
  if (spec.type === "select") {
    const own = choices || (spec.options || []).map(([option, key]) => [option, t(key)]);
    const all = spec.nullable ? [["", t("editor.none")], ...own] : own;
    return html`<select ${common}>${all.map(([option, label]) => html`<option value="${option}"
      ${String(option) === String(value) ? html`selected` : ""}>${label}</option>`)}</select>`;
  }
  const extra = spec.type === "number" ? html`inputmode="numeric" min="0" step="1"` : "";
  // The spec's own attributes are constants of this file, not data: taken as markup.
  const attrs = html([spec.attrs || ""]);
  return html`<input ${common} type="${spec.type || "text"}" value="${value}" ${extra} ${attrs}>`;
}

/** The value a control holds, as the API takes it (numbers as numbers, an empty choice as null). */
export function valueOf(spec, element) {
  const raw = element.type === "textarea" || spec.type === "textarea" ? element.value : element.value.trim();
  if (spec.type === "number") return raw === "" ? null : Number(raw);
  if (spec.nullable && raw === "") return null;
  if (spec.name === "country") return raw.toUpperCase();
  return raw;
}

/** Every field of `specs` read from `form`. */
export function valuesFrom(form, specs) {
  const values = {};
  for (const spec of specs) {
    const element = form.elements.namedItem(spec.name);
    if (element) values[spec.name] = valueOf(spec, element);
  }
  return values;
}

/** "cast[0].person" and "cast" are both about the cast. */
export function baseField(field) {
  return String(field || "").split(/[.[]/)[0];
}

/**
 * Show `errors` and `warnings` ({field: [text]}) next to their fields, the rest in the form's
 * own problem box; mark the fields with an error invalid. Answers the first control with an
 * error, in the order of the form, to move focus to.
 */
export function paintNotes(form, errors, warnings) {
  const placed = new Set();
  for (const [attr, notes] of [["errorFor", errors], ["warningFor", warnings]]) {
    for (const box of form.querySelectorAll(`[data-${attr === "errorFor" ? "error" : "warning"}-for]`)) {
      const lines = notes[box.dataset[attr]] || [];
      box.textContent = lines.join(" ");
      box.hidden = lines.length === 0;
      if (lines.length) placed.add(`${attr}:${box.dataset[attr]}`);
    }
  }
  for (const element of form.querySelectorAll("[data-field] :is(input, select, textarea)")) {
    const name = element.closest("[data-field]").dataset.field;
    element.setAttribute("aria-invalid", String(Boolean(errors[name]?.length)));
  }
  const loose = Object.entries(errors).filter(([name]) => !placed.has(`errorFor:${name}`)).flatMap(([, l]) => l);
  const box = form.querySelector("[data-form-problem]");
  if (box) {
    box.textContent = loose.join(" ");
    box.hidden = loose.length === 0;
  }
  const invalid = [...form.querySelectorAll("[data-field]")].find((f) => errors[f.dataset.field]?.length);
  return invalid?.querySelector("input, select, textarea, button") || (loose.length ? box : null);
}

/** Add `text` to the notes of `field`. */
export function note(notes, field, text) {
  (notes[field] ||= []).push(text);
}

// ---- the host city's wall clock ----

export function knownZone(zone) {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function offsetMs(instant, zone) {
  const [, sign, hours, minutes] = /([+-])(\d{2}):(\d{2})/.exec(offsetAt(instant, zone));
  return (sign === "-" ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60000;
}

/**
 * The instants (ms) at which the clocks of `zone` show `date` "YYYY-MM-DD" and `time` "HH:MM":
 * one, none in a gap (clocks going forward), two in a repeat; null for an incomplete value.
 */
export function instantsOf(date, time, zone) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date || "") || !/^\d{2}:\d{2}$/.test(time || "") || !knownZone(zone)) {
    return null;
  }
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  const found = new Set();
  for (const probe of [wall - 43200000, wall + 43200000]) {
    const candidate = wall - offsetMs(probe, zone);
    if (candidate + offsetMs(candidate, zone) === wall) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * A session draft's times: `{start, end}` instants (ms, or null), and what is wrong with them
 * (`problem`: {field, key}) as the server will say it — a time the clocks skip or repeat, an
 * end at or before the start without a later end date, an unknown zone.
 */
export function sessionTimes(draft) {
  const zone = draft.host_tz;
  if (zone && !knownZone(zone)) {
    return { start: null, end: null, problem: { field: "host_tz", key: "editor.time.zone", zone } };
  }
  const starts = instantsOf(draft.date, draft.start, zone);
  const ends = instantsOf(draft.end_date || draft.date, draft.end, zone);
  const problem = timeProblem("start", starts, zone) || timeProblem("end", ends, zone);
  const start = starts?.length === 1 ? starts[0] : null;
  const end = ends?.length === 1 ? ends[0] : null;
  if (problem) return { start, end, problem };
  if (start !== null && end !== null && end <= start) {
    return { start, end, problem: { field: "end", key: "editor.error.end_not_after_start", zone } };
  }
  return { start, end, problem: null };
}

function timeProblem(field, instants, zone) {
  if (!instants || instants.length === 1) return null;
  return { field, key: instants.length === 0 ? "editor.time.gap" : "editor.time.repeat", zone };
}

/** "Sat 27 Mar, 12:00 CET – 13:30 CET" in the viewer's zone (the day again only if it changes). */
export function viewerRange(start, end, zone) {
  const from = new Date(start).toISOString();
  const to = new Date(end).toISOString();
  const sameDay = dateIn(start, zone) === dateIn(end, zone);
  const last = sameDay ? momentIn(to, zone) : `${formatShortDay(dateIn(end, zone))}, ${momentIn(to, zone)}`;
  return `${formatShortDay(dateIn(start, zone))}, ${momentIn(from, zone)} – ${last}`;
}

// ---- refusals, worded ----

/**
 * The words for a problem the server named — a refusal (an ApiError, whose `reason` is the
 * check's code), a check's problem or conflict (`{code, field, message, other}`): the
 * dictionary's wording of its code (for this `scope` and field, then for the field, then
 * alone), else the server's message without its field prefix. `local`: what this page found
 * wrong with the times itself, which words the server's refusal of a zone or a time.
 */
export function word(problem, { scope = "", local = null } = {}) {
  const field = baseField(problem.field);
  const code = problem.details?.reason || problem.code;
  if (code === "invalid" && local && local.field === field) return t(local.key, { zone: local.zone || "" });
  const other = problem.other ? t("editor.quoted", { name: named(problem.other, "title") }) : t("editor.anotherSession");
  const keys = [
    scope && `editor.error.${scope}.${code}.${field}`,
    `editor.error.${code}.${field}`,
    `editor.error.${code}`,
  ].filter(Boolean);
  const key = keys.find((name) => has(name));
  if (key) return t(key, { other });
  return withoutField(problem.message || "", problem.field || "") || t("editor.failed");
}

// ---- what a form holds, and what to say beside its fields ----

const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const TIME_FIELDS = new Set(["date", "start", "end", "end_date", "host_tz"]);
/** Conflicts "Save anyway" overrides (a capacity above the seats is refused regardless). */
export const CONFIRMABLE = new Set(["person_busy", "venue_busy", "outside_forum"]);

/** A session draft as the API takes it (`SessionEditIn`, without `confirm`). */
export function sessionBody(draft) {
  const body = {};
  for (const spec of SESSION_FIELDS) body[spec.name] = draft[spec.name];
  body.cast = draft.cast.map(({ person, role, presence }) => ({ person, role, presence }));
  return body;
}

/** A venue's, track's, person's or the forum's draft as the API takes it. */
export function itemBody(kind, draft) {
  const blank = (spec) => (spec.nullable || spec.type === "number" ? null : "");
  return Object.fromEntries(FIELDS[kind].map((spec) => [spec.name, draft[spec.name] ?? blank(spec)]));
}

/** The body to check a session draft with. A slug not yet (well) typed is stood in for, so
 * that the rest is checked meanwhile; the form itself says what is wrong with the slug. */
export function checkBody(open) {
  const body = { session: open.key, ...sessionBody(open.draft) };
  if (!SLUG_PATTERN.test(body.slug)) body.slug = "draft-being-typed";
  return body;
}

/** What this page can tell before asking the server (worded here, in the page's language). */
export function ownChecks(open) {
  const errors = {};
  const draft = open.draft;
  if (open.kind !== "forum" && !SLUG_PATTERN.test(draft.slug || "")) note(errors, "slug", t("editor.check.slug"));
  const base = open.kind === "sessions" ? "title" : "name";
  if (!(draft[`${base}_en`] || "").trim() && !(draft[`${base}_ru`] || "").trim()) {
    note(errors, `${base}_en`, t(`editor.check.${base}`));
  }
  for (const spec of open.kind === "sessions" ? SESSION_FIELDS : FIELDS[open.kind]) {
    const value = draft[spec.name];
    if (spec.type === "number" && value !== null && value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      note(errors, spec.name, t("editor.check.number"));
    }
  }
  if (open.kind === "sessions") {
    for (const name of ["date", "start", "end", "host_tz"]) if (!draft[name]) note(errors, name, t("editor.check.required"));
    if (draft.cast.some((member) => !member.person)) note(errors, "cast", t("editor.check.castPerson"));
  }
  return errors;
}

/**
 * What to show beside an open form's fields: `errors` (its own checks at saving, the times
 * this page finds wrong, the check's problems, the last refusal) and `warnings` (conflicts
 * that "Save anyway" overrides). A new session's problems are shown for the fields the
 * person has been at (and its times), not for those still to be filled; nor for a field
 * changed since the check was asked for (its answer about that field is out of date).
 */
export function notesOf(open) {
  const errors = {};
  const warnings = {};
  for (const [field, lines] of Object.entries(open.errors)) for (const line of lines) note(errors, field, line);
  const local = open.kind === "sessions" ? sessionTimes(open.draft).problem : null;
  if (local) note(errors, local.field, t(local.key, { zone: local.zone }));
  const draft = open.draft;
  if (open.touched.has("slug") && draft.slug && !SLUG_PATTERN.test(draft.slug)) note(errors, "slug", t("editor.check.slug"));
  const shown = (field) => !open.edited.has(baseField(field))
    && (open.key !== null || open.touched.has(baseField(field)) || TIME_FIELDS.has(baseField(field)));
  const check = open.check;
  if (check) {
    for (const problem of check.problems) {
      if (shown(problem.field) && !(problem.field === "slug" && !SLUG_PATTERN.test(draft.slug))) {
        note(errors, baseField(problem.field), word(problem, { local }));
      }
    }
    for (const conflict of check.conflicts) {
      note(CONFIRMABLE.has(conflict.code) ? warnings : errors, baseField(conflict.field), word(conflict, { local }));
    }
    if (check.error && shown(check.error.field)) note(errors, baseField(check.error.field), word(check.error, { local }));
  }
  // A refusal of clashes lists them all (each with the session it clashes with).
  const refused = open.refusal?.details?.conflicts || (open.refusal ? [open.refusal] : []);
  for (const problem of refused) note(errors, baseField(problem.field) || "form", word(problem, { local }));
  const unique = (notes, not = {}) => Object.fromEntries(Object.entries(notes).map(([key, lines]) =>
    [key, [...new Set(lines)].filter((line) => !not[key]?.includes(line))]).filter(([, lines]) => lines.length));
  return { errors: unique(errors), warnings: unique(warnings, errors) };
}
