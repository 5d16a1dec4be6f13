// Showing times: always as the wall time of a named zone, always with that zone's label.
//
// The API sends each time as ISO 8601 with its offset plus the zone name and abbreviation
// (e.g. "2027-03-28T12:00:00+07:00", "Asia/Jakarta", "WIB"); these helpers format the
// wall time in that zone with Intl and append the abbreviation the server computed.

import { has, lang, t } from "./i18n.js";

const LOCALES = { en: "en-GB", ru: "ru-RU" };

function locale() {
  return LOCALES[lang()] || "en-GB";
}

/** The browser's own zone (the default viewer zone). */
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every zone the browser knows, for the picker. */
export function zoneNames() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [browserZone(), "UTC"];
  }
}

function isZone(name) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The IANA name a person meant: an exact name in any case ("asia/jakarta"), or a city
 * ("Jakarta", "buenos aires"); `null` when nothing matches.
 */
export function resolveZone(input) {
  const wanted = (input || "").trim();
  if (!wanted) return null;
  const names = zoneNames();
  const lower = wanted.toLowerCase();
  const exact = names.find((name) => name.toLowerCase() === lower);
  if (exact) return exact;
  const city = lower.replace(/\s+/g, "_");
  const byCity = names.find((name) => name.toLowerCase().split("/").pop() === city);
  if (byCity) return byCity;
  if (wanted.includes("/") || wanted.toUpperCase() === "UTC") {
    return isZone(wanted) ? new Intl.DateTimeFormat("en", { timeZone: wanted }).resolvedOptions().timeZone : null;
  }
  return null;
}

/** "WIB", "CEST"; numeric abbreviations ("+05", "-0330") read as "UTC+5", "UTC−3:30". */
export function zoneLabel(abbr, offset = "") {
  const name = abbr || "";
  if (name && has(`zone.${name}`)) return t(`zone.${name}`);
  const numeric = /^([+-])(\d{2}):?(\d{2})?$/.exec(name || offset);
  if (!numeric) return name || `UTC${offset}`;
  const [, sign, hours, minutes] = numeric;
  const h = String(Number(hours));
  const m = minutes && minutes !== "00" ? `:${minutes}` : "";
  if (h === "0" && !m) return "UTC";
  return `UTC${sign === "-" ? "−" : "+"}${h}${m}`;
}

/** The wall time an ISO string carries, read in `zone`: "12:00". */
export function wallTime(iso, zone) {
  const instant = new Date(iso);
  try {
    return new Intl.DateTimeFormat(locale(), {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: zone,
    }).format(instant);
  } catch {
    // A zone this browser does not know: the string itself holds the wall time.
    return iso.slice(11, 16);
  }
}

/** The calendar date ("2027-03-28") an ISO-with-offset string carries. */
export function wallDate(iso) {
  return iso.slice(0, 10);
}

/** "12:00–12:45 WIB" for `{tz, start, end, abbr, end_abbr, utc_offset, end_utc_offset}`. */
export function timeRange(times) {
  const start = wallTime(times.start, times.tz);
  const end = wallTime(times.end, times.tz);
  const startLabel = zoneLabel(times.abbr, times.utc_offset);
  const endLabel = zoneLabel(times.end_abbr || times.abbr, times.end_utc_offset || times.utc_offset);
  if (startLabel !== endLabel) return `${start} ${startLabel} – ${end} ${endLabel}`;
  return `${start}–${end} ${startLabel}`;
}

/** "12:00 CEST": one instant with its zone label. */
export function timeWithZone(iso, zone, abbr, offset) {
  return `${wallTime(iso, zone)} ${zoneLabel(abbr, offset)}`;
}

/**
 * "07:30 MSK" for an instant inside or near an interval `times` of the same zone: the
 * interval's abbreviation when the offsets agree, else the bare offset ("UTC+3").
 */
export function instantNear(iso, times) {
  const offset = iso.slice(19);
  let abbr = "";
  if (offset === times.utc_offset) abbr = times.abbr;
  else if (offset === times.end_utc_offset) abbr = times.end_abbr;
  return timeWithZone(iso, times.tz, abbr, offset);
}

/** The UTC offset of `zone` at an instant (milliseconds since the epoch): "+05:00". */
export function offsetAt(instant, zone) {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(new Date(instant));
    const name = parts.find((part) => part.type === "timeZoneName")?.value || "";
    return /([+-]\d{2}:\d{2})$/.exec(name)?.[1] || "+00:00"; // plain "GMT" is UTC itself
  } catch {
    return "+00:00";
  }
}

/**
 * "11:35 CEST" for an instant (milliseconds) in the zone of an interval `times`, labelled like
 * `instantNear`: the interval's abbreviation where the offsets agree, else the bare offset.
 */
export function instantIn(instant, times) {
  return `${wallTime(new Date(instant).toISOString(), times.tz)} ${zoneAt(instant, times)}`;
}

/** The label of the zone of an interval `times` at an instant (milliseconds): "CEST", "UTC+5". */
export function zoneAt(instant, times) {
  const offset = offsetAt(instant, times.tz);
  let abbr = "";
  if (offset === times.utc_offset) abbr = times.abbr;
  else if (offset === times.end_utc_offset) abbr = times.end_abbr;
  return zoneLabel(abbr, offset);
}

/** Whether an interval ends on a later calendar day than it starts (in its own zone). */
export function endsNextDay(times) {
  return wallDate(times.end) > wallDate(times.start);
}

function calendarDate(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

function capitalise(text) {
  return text.charAt(0).toLocaleUpperCase(locale()) + text.slice(1);
}

/**
 * A day of the program: "Sunday, 28 March" / "Воскресенье, 28 марта"
 * (`{ inSentence: true }` keeps Russian's lower-case weekday for use mid-sentence).
 */
export function formatDay(isoDate, { inSentence = false } = {}) {
  const parts = new Intl.DateTimeFormat(locale(), {
    weekday: "long",
    day: "numeric",
    month: "long",
    timeZone: "UTC",
  }).formatToParts(calendarDate(isoDate));
  const part = (type) => parts.find((p) => p.type === type)?.value ?? "";
  // Composed by hand: ICU's en-GB pattern dropped the comma after the weekday.
  const text = `${part("weekday")}, ${part("day")} ${part("month")}`;
  return inSentence ? text : capitalise(text);
}

/** Whole days from one calendar date to another ("2027-03-26" → "2027-03-28" is 2). */
export function daysBetween(fromIso, toIso) {
  return Math.round((calendarDate(toIso) - calendarDate(fromIso)) / 86400000);
}

/** A short day for tight places: "Sun 28 Mar" / "Вс, 28 мар." */
export function formatShortDay(isoDate) {
  return new Intl.DateTimeFormat(locale(), {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  }).format(calendarDate(isoDate));
}

/** The forum's dates: "26–28 March 2027". */
export function formatDateRange(startIso, endIso) {
  const format = new Intl.DateTimeFormat(locale(), {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  });
  return format.formatRange(calendarDate(startIso), calendarDate(endIso));
}

/** "45 min", "1 h 30 min". */
export function formatDuration(minutes) {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return t("program.duration", { minutes: rest });
  if (rest === 0) return t("program.durationHoursOnly", { hours });
  return t("program.durationHours", { hours, minutes: rest });
}

/** The calendar date ("2027-03-28") of an instant (milliseconds since the epoch) in `zone`. */
export function dateIn(instant, zone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date(instant));
  } catch {
    return new Date(instant).toISOString().slice(0, 10);
  }
}

/**
 * "Fri 26 Mar, 14:30 CET": an instant given in UTC ("…Z", e.g. when an offer runs out) in the
 * zone of an interval `times`, labelled as `instantIn` does.
 */
export function deadlineIn(iso, times) {
  const instant = Date.parse(iso);
  return `${formatShortDay(dateIn(instant, times.tz))}, ${instantIn(instant, times)}`;
}

/**
 * The zone's label at an instant (milliseconds): the short name the browser knows for it
 * ("CET", "GMT") when it has a real one, else the offset ("UTC+3"). For instants the API
 * sends in UTC only, without the abbreviation it computes for session times.
 */
export function zoneNameAt(instant, zone) {
  let abbr = "";
  try {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "short" })
      .formatToParts(new Date(instant));
    abbr = parts.find((part) => part.type === "timeZoneName")?.value || "";
  } catch {
    abbr = "";
  }
  // "GMT+3" is an offset in disguise: say it the way zoneLabel says offsets.
  return zoneLabel(/^[A-Z]{2,5}$/.test(abbr) ? abbr : "", offsetAt(instant, zone));
}

/** "14:02 CET": an instant (ISO, e.g. "…Z") as the wall time in `zone`, with its label. */
export function momentIn(iso, zone) {
  const instant = Date.parse(iso);
  return `${wallTime(new Date(instant).toISOString(), zone)} ${zoneNameAt(instant, zone)}`;
}

/** "Fri 26 Mar, 14:02 CET": the same with the day, for instants that may not be today. */
export function dayMomentIn(iso, zone) {
  const instant = Date.parse(iso);
  return `${formatShortDay(dateIn(instant, zone))}, ${momentIn(iso, zone)}`;
}
