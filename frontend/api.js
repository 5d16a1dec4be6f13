// The Pavilion HTTP API: JSON in, JSON out, and its error message surfaced as an ApiError.
//
// The browser is signed in by an HttpOnly cookie the page never sees: fetch sends it on
// same-origin requests, and the Origin header the browser adds to a POST or DELETE is what
// the server checks before it lets the cookie change anything.

import { has, lang, t } from "./i18n.js";
import { viewerZone } from "./state.js";
import { dayMomentIn } from "./time.js";

export class ApiError extends Error {
  constructor(message, { status = 0, code = "error", field = null, retryAfter = null, details = {} } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter; // seconds, on 429 `rate_limited`
    this.details = details; // the whole `error` object (e.g. a refusal's `reason` code)
  }
}

const BASE = "/api/v1";
const enc = encodeURIComponent;

const CLOCK_SAMPLES = 20;
const clockSamples = []; // the server's clock minus this browser's, in ms, per recent answer

/**
 * Now on the server's clock (milliseconds since the epoch), as its recent answers' Date
 * headers tell: a countdown to a deadline the server set must not run fast or slow by however
 * far this computer's clock is off. A Date header is whole seconds, and may be up to a second
 * old when sent, so each answer only bounds the offset from below: the largest of the recent
 * bounds is nearest the truth, and half a second more is the middle of what is left.
 */
export function serverNow() {
  return clockSamples.length ? Date.now() + Math.max(...clockSamples) + 500 : Date.now();
}

function noteServerClock(response) {
  const date = Date.parse(response.headers.get("Date") || "");
  if (Number.isNaN(date)) return;
  clockSamples.push(date - Date.now());
  if (clockSamples.length > CLOCK_SAMPLES) clockSamples.shift();
}

/** Addresses of the API, also used for plain links (calendar files, exports). */
export const paths = {
  forums: () => `${BASE}/forums`,
  forum: (forum) => `${BASE}/forums/${enc(forum)}`,
  program: (forum) => `${BASE}/forums/${enc(forum)}/program`,
  session: (forum, id) => `${BASE}/forums/${enc(forum)}/sessions/${enc(id)}`,
  sessionIcs: (forum, id) => `${BASE}/forums/${enc(forum)}/sessions/${enc(id)}.ics`,
  programIcs: (forum) => `${BASE}/forums/${enc(forum)}/program.ics`,
  schedule: (forum) => `${BASE}/forums/${enc(forum)}/schedule.json`,
  jsonld: (forum) => `${BASE}/forums/${enc(forum)}/jsonld`,
  marathons: (forum) => `${BASE}/forums/${enc(forum)}/marathons`,
  marathon: (forum, slug) => `${BASE}/forums/${enc(forum)}/marathons/${enc(slug)}`,
  segment: (forum, slug, segment) =>
    `${BASE}/forums/${enc(forum)}/marathons/${enc(slug)}/segments/${enc(segment)}`,
  delay: (forum, slug, segment) => `${paths.segment(forum, slug, segment)}/delay`,
  delayPreview: (forum, slug, segment) => `${paths.segment(forum, slug, segment)}/delay/preview`,
  endSegment: (forum, slug, segment) => `${paths.segment(forum, slug, segment)}/end`,
  now: (forum) => `${BASE}/forums/${enc(forum)}/now`,
  signup: () => `${BASE}/auth/signup`,
  signupConfirm: () => `${BASE}/auth/signup/confirm`,
  login: () => `${BASE}/auth/login`,
  logout: () => `${BASE}/auth/logout`,
  passwordReset: () => `${BASE}/auth/password-reset`,
  password: () => `${BASE}/auth/password`,
  me: () => `${BASE}/me`,
  agenda: () => `${BASE}/me/agenda`,
  seats: (id) => `${BASE}/sessions/${enc(id)}/seats`,
  registrations: (id) => `${BASE}/sessions/${enc(id)}/registrations`,
  myRegistration: (id) => `${BASE}/sessions/${enc(id)}/registrations/me`,
  acceptOffer: (id) => `${BASE}/sessions/${enc(id)}/registrations/me/accept`,
  registrationsCsv: (id) => `${BASE}/sessions/${enc(id)}/registrations.csv`,
  badge: (forum) => `${BASE}/forums/${enc(forum)}/badge`,
  checkin: () => `${BASE}/checkin`,
  stage: (session) => `${BASE}/stage/${enc(session)}`,
  whip: (session) => `${BASE}/stage/${enc(session)}/whip`,
  whipSource: (session, source) => `${BASE}/stage/${enc(session)}/whip/${enc(source)}`,
  whep: (session) => `${BASE}/stage/${enc(session)}/whep`,
  hls: (session) => `/hls/${enc(session)}/index.m3u8`,
  take: (session) => `${BASE}/stage/${enc(session)}/take`,
  stageSource: (session, source) => `${BASE}/stage/${enc(session)}/sources/${enc(source)}`,
  pavilions: () => `${BASE}/pavilions`,
  pavilion: (slug) => `${BASE}/pavilions/${enc(slug)}`,
  stand: (slug) => `${BASE}/stands/${enc(slug)}`,
  standVisits: (slug) => `${BASE}/stands/${enc(slug)}/visits`,
  visitPing: (visit) => `${BASE}/visits/${enc(visit)}/ping`,
  search: () => `${BASE}/search`,
  contactRequests: (stand) => `${BASE}/stands/${enc(stand)}/contact-requests`,
  contactRequest: (id) => `${BASE}/contact-requests/${enc(id)}`,
  acceptContact: (id) => `${BASE}/contact-requests/${enc(id)}/accept`,
  meetings: (stand) => `${BASE}/stands/${enc(stand)}/meetings`,
  meeting: (id) => `${BASE}/meetings/${enc(id)}`,
  myStands: () => `${BASE}/me/stands`,
  myRinging: () => `${BASE}/me/contact-requests`,
  myMeetings: () => `${BASE}/me/meetings`,
  myConversations: () => `${BASE}/me/conversations`,
  consent: (stand) => `${BASE}/stands/${enc(stand)}/consent`,
  slots: (stand) => `${BASE}/stands/${enc(stand)}/slots`,
  leads: (stand) => `${BASE}/stands/${enc(stand)}/leads`,
  lead: (stand, id) => `${BASE}/stands/${enc(stand)}/leads/${enc(id)}`,
  leadNotes: (stand, id) => `${BASE}/stands/${enc(stand)}/leads/${enc(id)}/notes`,
  leadsCsv: (stand) => `${BASE}/stands/${enc(stand)}/leads.csv`,
  iceServers: () => `${BASE}/rtc/ice-servers`,
  analytics: (stand) => `${BASE}/stands/${enc(stand)}/analytics`,
  standStaff: (stand) => `${BASE}/stands/${enc(stand)}/staff`,
  standMember: (stand, user) => `${BASE}/stands/${enc(stand)}/staff/${enc(user)}`,
  roles: (forum) => `${BASE}/forums/${enc(forum)}/roles`,
  role: (forum, id) => `${BASE}/forums/${enc(forum)}/roles/${enc(id)}`,
  myPassword: () => `${BASE}/me/password`,
  notices: () => `${BASE}/me/notices`,
  noticesRead: () => `${BASE}/me/notices/read`,
};

/** A path with its query (empty values left out), relative to this site. */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;

/** An error's particulars as the reader should see them: instants in their zone, a name in
 * their language (`title_ru` beside `title`). */
function wordedParams(params = {}) {
  const worded = {};
  for (const [key, value] of Object.entries(params || {})) {
    if (key.endsWith("_ru")) continue;
    const here = lang() === "ru" && params[`${key}_ru`] ? params[`${key}_ru`] : value;
    worded[key] = typeof here === "string" && INSTANT.test(here) ? dayMomentIn(here, viewerZone()) : here;
  }
  return worded;
}

/** What a field is called in the reader's language ("mode" → "формат участия"). */
function fieldName(field) {
  const name = String(field || "").replace(/\[\d+\]/g, "").split(".").pop();
  return has(`field.${name}`) ? t(`field.${name}`) : field || "";
}

/**
 * The words for an error answer, in the reader's language and zone: its `reason` with its
 * `params` where the dictionary knows it; else the first input problem's reason; else its
 * `code`. The server's own message (English, for logs) is shown only in English, and only
 * when nothing finer is known.
 */
export function wordProblem(problem, status, retryAfter = null) {
  if (problem.code === "busy") return t("error.busy", { seconds: Math.ceil(retryAfter || 1) });
  const field = fieldName(problem.field);
  if (problem.reason && has(`problem.${problem.reason}`)) {
    return t(`problem.${problem.reason}`, { field, ...wordedParams(problem.params) });
  }
  const first = (problem.problems || [])[0];
  if (first?.reason && has(`problem.input.${first.reason}`)) {
    return t(`problem.input.${first.reason}`, { field: fieldName(first.field), ...wordedParams(first.params) });
  }
  if (lang() === "en" && problem.message) return problem.message;
  if (problem.code && has(`error.code.${problem.code}`)) return t(`error.code.${problem.code}`, { field });
  return t("error.http", { status });
}

/** The ApiError for a 4xx/5xx answer, worded for the reader (`wordProblem`), with the
 * server's code, field and particulars. */
export function problemOf(response, body) {
  const problem = (body && body.error) || {};
  const header = Number(response.headers.get("Retry-After"));
  const retryAfter = problem.retry_after ?? (header > 0 ? header : null);
  const message = wordProblem(problem, response.status, retryAfter);
  return new ApiError(message, {
    status: response.status,
    code: problem.code || "error",
    field: problem.field || null,
    retryAfter,
    details: problem,
  });
}

// A `busy` answer (503: a bound was reached, nothing was done) is tried again quietly, as its
// Retry-After asks (jittered, so that those refused together do not return together), a few
// times before the person is told.
const BUSY_RETRIES = 3;
const BUSY_WAIT_CAP_S = 10;

async function send(method, url, options = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce(method, url, options);
    } catch (error) {
      const wait = error instanceof ApiError && error.code === "busy" ? error.retryAfter || 1 : null;
      if (wait === null || attempt >= BUSY_RETRIES || wait > BUSY_WAIT_CAP_S) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait * 1000 * (1 + Math.random())));
    }
  }
}

async function sendOnce(method, url, { body, signal } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, signal, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(t("error.network"), { code: "network" });
  }
  noteServerClock(response);
  const answer = await response.json().catch(() => null); // 204 and non-JSON bodies: null
  if (!response.ok) throw problemOf(response, answer);
  return answer;
}

/** GET a JSON document; throws ApiError with the server's own message on a 4xx/5xx. */
export function getJSON(path, params = {}, { signal } = {}) {
  return send("GET", withQuery(path, params), { signal });
}

/** POST `body` as JSON; the answer's JSON (null for 204), or ApiError like getJSON. */
export function postJSON(path, body = {}, { signal } = {}) {
  return send("POST", path, { body, signal });
}

/** PUT `body` as JSON; the answer's JSON, or ApiError like getJSON. */
export function putJSON(path, body = {}, { signal } = {}) {
  return send("PUT", path, { body, signal });
}

/** PATCH `body` as JSON; the answer's JSON, or ApiError like getJSON. */
export function patchJSON(path, body = {}, { signal } = {}) {
  return send("PATCH", path, { body, signal });
}

/** DELETE; the answer's JSON (null for 204), or ApiError like getJSON. */
export function deleteJSON(path, { signal } = {}) {
  return send("DELETE", path, { signal });
}
