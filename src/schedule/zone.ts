import { realpathSync } from "node:fs";
import { ScheduleError } from "./errors.js";
import { checkZone } from "./zone-offsets.js";

/**
 * The IANA name of a zone file TZ names by path, as glibc reads it (`TZ=:/etc/localtime`, a
 * common idiom, or `TZ=/usr/share/zoneinfo/Europe/Berlin`): the part after "zoneinfo/" of the
 * file's real path, with glibc's "posix/" copy read as the zone itself. Null for a file outside a
 * zoneinfo tree (its rules cannot be named), and for "right/" zones (leap seconds in local time,
 * which Intl cannot express).
 */
function zoneNameOfFile(path: string): string | null {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return null;
  }
  const at = real.lastIndexOf("/zoneinfo/");
  if (at < 0) return null;
  const name = real.slice(at + "/zoneinfo/".length);
  return name.startsWith("posix/") ? name.slice("posix/".length) : name;
}

/**
 * The local zone, as libc would choose it: the TZ environment variable (an IANA name, a path to a
 * zone file, or a POSIX rule string like "CET-1CEST,M3.5.0,M10.5.0/3"; a leading ":" as POSIX
 * allows), else the system zone; a TZ set but empty is UTC. Anything else is rejected with a
 * message rather than silently read as UTC, as libc would.
 */
export function zoneFromEnv(env: Readonly<Record<string, string | undefined>>): string {
  const tz = env["TZ"];
  if (tz === undefined) return Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Set but empty (envdir with an env/TZ of one newline): UTC, as glibc, musl and tzcode read it.
  if (tz === "") return "UTC";
  const given = tz.startsWith(":") ? tz.slice(1) : tz;
  const zone = given.startsWith("/") ? zoneNameOfFile(given) : given;
  try {
    if (zone === null) throw new Error("not a zone file");
    checkZone(zone);
  } catch {
    throw new ScheduleError(`unknown time zone in TZ: ${tz}`);
  }
  return zone;
}
