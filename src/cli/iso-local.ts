import type { Instant } from "../time/instant.js";

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * The instant as local time in `zone`, ISO 8601 with the zone's offset at that instant:
 * 2026-03-29T03:00:00+02:00. The offset is derived from the local fields, so it is whatever
 * the zone database says, seconds included for historic local mean time (+00:53:28).
 */
export function isoLocal(t: Instant, zone: string): string {
  const fields: Record<string, string> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(t.seconds * 1000))) fields[p.type] = p.value;
  const n = (k: string): number => Number(fields[k]);
  const year = fields["era"] === "BC" ? 1 - n("year") : n("year");
  const local = new Date(0);
  local.setUTCFullYear(year, n("month") - 1, n("day"));
  local.setUTCHours(n("hour"), n("minute"), n("second"));
  const offset = local.getTime() / 1000 - t.seconds;
  const abs = Math.abs(offset);
  const sign = offset < 0 ? "-" : "+";
  const offsetText = `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${abs % 60 ? ":" + pad(abs % 60) : ""}`;
  const yearText = year < 0 ? "-" + pad(-year, 6) : year > 9999 ? "+" + pad(year, 6) : pad(year, 4);
  return `${yearText}-${pad(n("month"))}-${pad(n("day"))}T${pad(n("hour"))}:${pad(n("minute"))}:${pad(n("second"))}${offsetText}`;
}
