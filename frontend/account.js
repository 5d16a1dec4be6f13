// Who is signed in. The session cookie is HttpOnly, so the page cannot read it: it asks the
// server (GET /me; 401 means nobody) and announces every answer as `change` on `account`.

import { getJSON, paths, postJSON } from "./api.js";
import { lang } from "./i18n.js";

export const account = new EventTarget();

let person; // undefined until the server has answered once; then the user, or null
let asked = 0; // the latest question: an older answer arriving late must not win

/** The signed-in person (`{id, email, name, …, roles}`), or null. */
export function me() {
  return person ?? null;
}

/** Whether the server has said yet who is signed in (until then, show neither state). */
export function known() {
  return person !== undefined;
}

function settle(next) {
  person = next;
  account.dispatchEvent(new CustomEvent("change", { detail: { me: next } }));
}

/** Ask the server who is signed in; a failure other than 401 keeps what was known. */
export async function refresh() {
  const ticket = ++asked;
  let found = null;
  try {
    found = await getJSON(paths.me());
  } catch (error) {
    if (error.status !== 401) found = me();
  }
  if (ticket === asked) settle(found);
  return me();
}

/** Sign in; throws the API's ApiError (401 wrong credentials, 429 with `retryAfter`). */
export async function signIn(email, password) {
  await postJSON(paths.login(), { email, password });
  return refresh();
}

/** Ask for an account: a link to finish it is mailed to the address (the answer is the same
 * whether or not it already has an account); throws ApiError naming the bad `field`. */
export async function signUp(details) {
  return postJSON(paths.signup(), details);
}

/** Finish a sign-up with the mailed link's token, which makes the account and signs in;
 * throws ApiError with `field` "token" for a link that expired or was used. */
export async function confirmSignUp(token) {
  await postJSON(paths.signupConfirm(), { token });
  return refresh();
}

/** Ask for a link to choose a new password (the answer is the same for any address). */
export async function askForPasswordLink(email) {
  await postJSON(paths.passwordReset(), { email, language: lang() });
}

/** Choose a password with a mailed link's token, which signs in; throws ApiError naming the
 * bad `field` (`token`: expired or used; `password`: too short). */
export async function choosePassword(token, password) {
  await postJSON(paths.password(), { token, password });
  return refresh();
}

/** Sign out; whatever the server answered, ask again who is signed in. */
export async function signOut() {
  try {
    await postJSON(paths.logout());
  } finally {
    await refresh();
  }
}
