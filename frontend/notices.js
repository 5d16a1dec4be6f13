// The signed-in person's notices: what they were told (a seat offered, a session moved, a role
// given…), read from the server and kept in step by pushes to their own room (`user:{id}`),
// which the tab's socket holds for as long as they are signed in. The same room says when their
// roles changed (`access.changed`): who they are is asked again, so links to pages they may
// now (or no longer) open appear or vanish.
//
// Every change is announced as `change` on `notices`; a notice that has just arrived, also as
// `notice` (with the notice as `detail`), for a toast.

import { account, me, refresh as refreshAccount } from "./account.js";
import { getJSON, paths, postJSON } from "./api.js";
import { roomSocket } from "./socket.js";

export const notices = new EventTarget();

let list = []; // newest first
let unread = 0;
let status = "idle"; // "idle" (nobody signed in), "loading", "ready" or "error"
let holder = null; // the id of the person whose room is heard
let stopHearing = null;
let asked = 0; // the latest question: an older answer arriving late must not win

/** The notices known, newest first. */
export function noticeList() {
  return list;
}

/** How many notices are not read yet. */
export function unreadCount() {
  return unread;
}

/** "idle", "loading", "ready" or "error" (the list could not be read; pushes still come). */
export function noticeStatus() {
  return status;
}

function changed() {
  notices.dispatchEvent(new CustomEvent("change"));
}

/** Read the latest notices again (after joining the room: some may have come meanwhile). */
export async function reload() {
  if (holder === null) return;
  const ticket = ++asked;
  if (status !== "ready") status = "loading";
  changed();
  try {
    const answer = await getJSON(paths.notices());
    if (ticket !== asked) return;
    list = answer.notices;
    unread = answer.unread;
    status = "ready";
  } catch (error) {
    if (ticket !== asked) return;
    if (error.status === 401) refreshAccount(); // signed out meanwhile
    if (status !== "ready") status = "error";
  }
  changed();
}

/** Mark every notice shown as read (the panel was opened). */
export async function markAllRead() {
  const newest = list[0];
  if (!newest || unread === 0) return;
  ++asked; // a list being read now would bring back the old marks
  list = list.map((notice) => ({ ...notice, read: true }));
  unread = 0;
  changed();
  try {
    unread = (await postJSON(paths.noticesRead(), { up_to: newest.id })).unread;
  } catch {
    return; // marked here; the server is told next time the panel opens
  }
  changed();
}

function arrived(notice) {
  if (list.some((known) => known.id === notice.id)) return; // a replay of one already shown
  list = [notice, ...list].sort((a, b) => b.id - a.id);
  if (!notice.read) unread += 1;
  changed();
  notices.dispatchEvent(new CustomEvent("notice", { detail: notice }));
  // A list asked for before this notice was stored may still be on its way and would take
  // the notice back off: ask again (the server has it, it is pushed after its commit).
  reload();
}

function onPush({ type, data }) {
  if (type === "notice") arrived(data);
  else if (type === "access.changed") refreshAccount();
}

/** Hear the room of whoever is signed in now (none when nobody is). */
function follow() {
  const id = me()?.id ?? null;
  if (id === holder) return;
  stopHearing?.();
  stopHearing = null;
  holder = id;
  ++asked; // an answer still on its way was about somebody else
  list = [];
  unread = 0;
  status = id === null ? "idle" : "loading";
  changed();
  if (id === null) return;
  stopHearing = roomSocket().listen(`user:${id}`, {
    snapshot: () => reload(),
    push: onPush,
    failed: (error) => {
      // Not heard any more; heard again when the person is known anew.
      stopHearing = null;
      holder = null;
      if (error.code === "unauthorized") refreshAccount();
    },
  });
  reload();
}

account.addEventListener("change", follow);
