import { isoLocal } from "../schedule/iso-local.js";
import { instantFromMs } from "../time/instant.js";

/** An instant (ms) in a log line or a status field: ISO 8601 in the job's zone, whole seconds. */
export function isoInZone(ms: number, zone: string): string {
  // Log lines keep the short "Z" form for a zero offset; `chime next` prints "+00:00".
  return isoLocal(instantFromMs(Math.floor(ms / 1000) * 1000), zone).replace(/\+00:00$/, "Z");
}
