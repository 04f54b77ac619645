import { wallTimeFromSeconds } from "../time/civil.js";
import { instantFromMs, type Instant } from "../time/instant.js";
import type { Zone } from "./zone.js";

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/**
 * The instant as local time in `zone`, ISO 8601 with the zone's offset at that instant:
 * 2026-03-29T03:00:00+02:00. The offset comes from the scheduler's own zone table, so what
 * `chime next` prints is exactly what next() computed with; seconds are shown for historic
 * local mean time (+00:53:28).
 */
export function isoLocal(t: Instant, zone: Zone): string {
  const offset = zone.offsetAt(t.seconds);
  const w = wallTimeFromSeconds(t.seconds + offset);
  const abs = Math.abs(offset);
  const sign = offset < 0 ? "-" : "+";
  const offsetText = `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor(abs / 60) % 60)}${abs % 60 ? ":" + pad(abs % 60) : ""}`;
  const yearText = w.year < 0 ? "-" + pad(-w.year, 6) : w.year > 9999 ? "+" + pad(w.year, 6) : pad(w.year, 4);
  return `${yearText}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${offsetText}`;
}

/**
 * A wall-clock reading in milliseconds, to the second, as isoLocal shows it — but with the
 * short "Z" for a zero offset, the form log lines and `chime status` keep (`chime next` prints
 * "+00:00").
 */
export function isoInZone(ms: number, zone: Zone): string {
  return isoLocal(instantFromMs(Math.floor(ms / 1000) * 1000), zone).replace(/\+00:00$/, "Z");
}
