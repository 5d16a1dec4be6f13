// The stands the signed-in person is on the staff of (GET /me/stands), asked once per person
// and announced as `change` on `myStands`: the header links them to the exhibitor desk.

import { account, me } from "./account.js";
import { getJSON, paths } from "./api.js";

export const myStands = new EventTarget();

let stands = [];
let askedFor; // the person the list was last asked for (null: nobody signed in)
let answeredFor; // the person the list below is for (undefined until the first answer)

/** `[{slug, name}]`; empty for visitors, for people signed out and until the server answers. */
export function staffedStands() {
  return stands;
}

/** Whether the list is the answer for the person signed in now (not a stale or empty one). */
export function standsKnown() {
  const person = me();
  return answeredFor === (person ? person.id : null);
}

function settle(person, next) {
  answeredFor = person;
  stands = next;
  myStands.dispatchEvent(new CustomEvent("change", { detail: { stands: next } }));
}

/** Ask again for the person signed in now (a failure counts as no stands). */
export async function refreshStands() {
  const person = me();
  askedFor = person ? person.id : null;
  if (!person) {
    settle(null, []);
    return stands;
  }
  const asking = askedFor;
  let found = [];
  try {
    found = await getJSON(paths.myStands());
  } catch {
    found = [];
  }
  if (asking === askedFor) settle(asking, found);
  return stands;
}

account.addEventListener("change", () => {
  const person = me();
  if ((person ? person.id : null) !== askedFor) refreshStands();
});
