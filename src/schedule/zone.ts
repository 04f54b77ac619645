import { ScheduleError } from "./errors.js";
import { checkZone } from "./zone-offsets.js";

/**
 * The local zone, as libc would choose it: the TZ environment variable (an IANA name; a leading
 * ":" as POSIX allows), else the system zone. POSIX rule strings like "CET-1CEST" are not IANA
 * names and are rejected with a message rather than silently read as UTC.
 */
export function zoneFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const tz = env["TZ"];
  if (tz === undefined || tz === "") return Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = tz.startsWith(":") ? tz.slice(1) : tz;
  try {
    checkZone(zone);
  } catch {
    throw new ScheduleError(`unknown time zone in TZ: ${tz}`);
  }
  return zone;
}
