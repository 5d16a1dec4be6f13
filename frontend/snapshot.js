// Folding a room's pushes into its snapshot: the one reducer. Every page folds with it, and
// the consistency tests fold with it too (run in Node: tests/fold.mjs), checking that a
// snapshot read before an action, with the action's pushes folded in, equals the one the
// server builds after it. So it stays plain browser code: an ES module, no imports.
//
// The push types folded here are the registry's FOLDED set (server/pushes.py); a test keeps
// `FOLDED_TYPES` equal to it, so a new folded push without a case here fails.
//
// Messages and announcements are upserted by id, not appended: pushes right after a snapshot
// may repeat what the snapshot already holds (docs/rooms.md).

export const MESSAGES = 100;
export const ANNOUNCEMENTS = 20;

/** `items` with `item` put in by id (replacing one with the same id), ordered by id. */
function upsert(items, item) {
  return [...items.filter((i) => i.id !== item.id), item].sort((a, b) => a.id - b.id);
}

/** Whether a question belongs in this snapshot: staff see all but archived ones. */
function questionShown(snapshot, question) {
  if (snapshot.kind === "staff") return question.status !== "archived";
  return question.status === "visible" || question.status === "answered";
}

const folds = {
  "chat.message": (s, d) => ({ messages: upsert(s.messages, d.message).slice(-MESSAGES) }),
  "chat.edited": (s, d) => ({ messages: upsert(s.messages, d.message).slice(-MESSAGES) }),
  "chat.deleted": (s, d) => ({ messages: s.messages.filter((m) => m.id !== d.id) }),
  "room.settings": (s, d) => ({ settings: d }),
  "session.status": (s, d) => ("status" in s ? { status: d.status } : {}),
  "qa.question": foldQuestion,
  "qa.updated": foldQuestion,
  "qa.votes": (s, d) => ({
    questions: s.questions.map((q) => ({ ...q, votes: d.votes[String(q.id)] ?? q.votes })),
  }),
  "poll.state": (s, d) => ({ polls: upsert(s.polls, d.poll) }),
  "poll.results": (s, d) => ({
    polls: s.polls.map((p) => (p.id === d.poll ? { ...p, counts: d.counts, voters: d.voters } : p)),
  }),
  "presence.counts": (s, d) => ({ presence: d }),
  "presence.list": (s, d) => ({ people: d.people }),
  "hand.queue": (s, d) => ({ hands: d.hands }),
  "hand.state": (s, d) =>
    s.me && d.user === s.me.id ? { me: { ...s.me, hand: d.status } } : {},
  announcement: (s, d) => ({
    announcements: upsert(s.announcements, d.announcement).slice(-ANNOUNCEMENTS),
  }),
};

/** The push types this reducer folds into a snapshot (any other leaves it as it was). */
export const FOLDED_TYPES = Object.freeze(Object.keys(folds).sort());

function foldQuestion(s, d) {
  const known = s.questions.find((q) => q.id === d.question.id);
  // An anonymous question's asker keeps seeing their own name (pushes carry none).
  const question = d.question.author === null && known ? { ...d.question, author: known.author } : d.question;
  const kept = s.questions.filter((q) => q.id !== question.id);
  return { questions: questionShown(s, question) ? upsert(kept, question) : kept };
}

/** The snapshot after one pushed event (a new object; the old one is left as it was). */
export function apply(snapshot, type, data) {
  const fold = folds[type];
  return fold ? { ...snapshot, ...fold(snapshot, data) } : snapshot;
}
