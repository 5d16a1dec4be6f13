// Reads an iCalendar file the way outside calendar apps do, and prints what each made of it.
//
//   node tests/clients/read_ics.mjs FILE.ics    (or the calendar on standard input)
//
// prints one JSON object: for each library ("ical.js" — Mozilla's parser, Thunderbird's — and
// "node-ical"), its VEVENTs as {uid, start, end}, the instants in UTC ISO 8601
// (2027-03-29T08:00:00.000Z). ical.js resolves a TZID with the VTIMEZONE in the file, as
// Thunderbird does for an invitation. Run it with TZ=UTC so that a time read as floating
// cannot pass for a right one. Called by tests/integration/test_calendar_clients.py.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import nodeIcal from "node-ical";

const iso = (date) => date.toISOString();

function withIcalJs(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      start: iso(event.startDate.toJSDate()),
      end: iso(event.endDate.toJSDate()),
    };
  });
}

function withNodeIcal(text) {
  return Object.values(nodeIcal.sync.parseICS(text))
    .filter((item) => item.type === "VEVENT")
    .map((event) => ({ uid: event.uid, start: iso(event.start), end: iso(event.end) }));
}

const text = readFileSync(process.argv[2] ?? 0, "utf8");
process.stdout.write(
  JSON.stringify({ "ical.js": withIcalJs(text), "node-ical": withNodeIcal(text) }) + "\n",
);
