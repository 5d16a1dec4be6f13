// The Pavilion HTTP API: JSON in, JSON out, and its error message surfaced as an ApiError.

import { t } from "./i18n.js";

export class ApiError extends Error {
  constructor(message, { status = 0, code = "error", field = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

const BASE = "/api/v1";
const enc = encodeURIComponent;

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

/** GET a JSON document; throws ApiError with the server's own message on a 4xx/5xx. */
export async function getJSON(path, params = {}, { signal } = {}) {
  let response;
  try {
    response = await fetch(withQuery(path, params), {
      headers: { Accept: "application/json" },
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(t("error.network"), { code: "network" });
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = body && body.error;
    throw new ApiError((problem && problem.message) || t("error.http", { status: response.status }), {
      status: response.status,
      code: (problem && problem.code) || "error",
      field: (problem && problem.field) || null,
    });
  }
  return body;
}
