import { existsSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { ScheduleError } from "../schedule/errors.js";
import { utcZone, type Zone, zoneNamed, zoneWithOffsets } from "../schedule/zone.js";
import { daysFromCivil } from "../time/civil.js";

/**
 * TZ resolved at the edge into a zone value (src/schedule/zone.ts) that carries its own offsets:
 * the only place that reads the file system, the environment or the system zone for scheduling.
 */

type Env = Readonly<Record<string, string | undefined>>;

const ZONEINFO = "/usr/share/zoneinfo/";
/** Zones with no country, which the zone tables below do not list. */
const UNIVERSAL = /^(UTC|Etc\/UTC|Etc\/GMT([+-][0-9]{1,2})?)$/;

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
export function zoneFromEnv(env: Env): Zone {
  const tz = env["TZ"];
  if (tz === undefined) return zoneNamed(Intl.DateTimeFormat().resolvedOptions().timeZone);
  // Set but empty (envdir with an env/TZ of one newline): UTC, as glibc, musl and tzcode read it.
  if (tz === "") return utcZone();
  const given = tz.startsWith(":") ? tz.slice(1) : tz;
  const name = given.startsWith("/") ? zoneNameOfFile(given) : given;
  try {
    if (name === null) throw new Error("not a zone file");
    return zoneNamed(name);
  } catch {
    throw new ScheduleError(`unknown time zone in TZ: ${tz}`);
  }
}

/**
 * The zone a supervised service runs in: TZ from its env/ when there, else the system zone —
 * what /etc/localtime names (supervise gives a service no TZ of its own; glibc then reads
 * /etc/localtime, and UTC without it). Never the TZ of the shell that installs the service.
 */
export function serviceZone(serviceEnv: Env, localtime = "/etc/localtime"): Zone {
  if (serviceEnv["TZ"] !== undefined) return zoneFromEnv({ TZ: serviceEnv["TZ"] });
  if (!existsSync(localtime)) return utcZone();
  try {
    return zoneFromEnv({ TZ: `:${localtime}` });
  } catch {
    // a copy of a zone file, not a link into zoneinfo: ICU's own host-zone detection names it
    return zoneFromEnv({});
  }
}

/**
 * Only zones the host's tzdata lists by location (zone.tab, zone1970.tab) or the universal ones.
 * Why not any zone file: Date learns its zone through ICU's host-zone detection, which does not
 * take every name as given — with TZ=Eire (an old alias of Europe/Dublin) Date reads a fixed
 * +01:00 while Intl is right. Aliases, right/ and posix/ trees and odd names therefore take the
 * checked Intl path.
 */
function isListedZone(name: string): boolean {
  if (UNIVERSAL.test(name)) return true;
  for (const table of ["zone1970.tab", "zone.tab"]) {
    try {
      for (const line of readFileSync(ZONEINFO + table, "latin1").split("\n")) {
        if (line.startsWith("#")) continue;
        if (line.split("\t")[2] === name) return true;
      }
    } catch {
      // no such table on this host
    }
  }
  return false;
}

/** Whether Date can serve `name` when TZ names it: a listed zone with its file on this host. */
export function dateCanServe(name: string): boolean {
  if (!isListedZone(name)) return false;
  try {
    return statSync(ZONEINFO + name).isFile();
  } catch {
    return false;
  }
}

/** The system zone's name from the /etc/localtime symlink, as ICU itself finds it; else null. */
function systemZoneName(): string | null {
  try {
    const target = readlinkSync("/etc/localtime");
    const at = target.indexOf("zoneinfo/");
    return at < 0 ? null : target.slice(at + "zoneinfo/".length);
  } catch {
    return null;
  }
}

/**
 * Offsets of this process's own local zone, read through Date. Why: the first
 * Intl.DateTimeFormat of a process costs ~10 ms (ICU locale data, pattern generation) — most of
 * an rw-match run's start-up — while Date's local-time fields read the same ICU zone data for
 * ~0.3 ms. The answers are identical (tested per zone file); only the cost differs.
 */
function dateLocalOffset(unix: number): number {
  const d = new Date(unix * 1000);
  const local =
    daysFromCivil(d.getFullYear(), d.getMonth() + 1, d.getDate()) * 86400 + d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
  return local - unix;
}

/**
 * The local zone for the rw-* tools, `chime next` and a service: the same answer as zoneFromEnv, but when
 * the zone is the one JS Date already uses (TZ of this process, or the system zone) and the host
 * has its zone file, offsets are read through Date instead of Intl — a run-script pass then
 * never pays for Intl's start-up. Anything else (a TZ the chain changed, no zone file, an odd
 * name) takes zoneFromEnv's path, which validates through Intl and names a bad TZ.
 * `dateTz`: the TZ of this process's own environment, the one Date reads (the edge passes it).
 */
export function localZone(env: Env, dateTz: string | undefined): Zone {
  const tz = env["TZ"];
  const own = tz === dateTz;
  if (own && tz !== undefined && tz !== "") {
    const name = tz.startsWith(":") ? tz.slice(1) : tz;
    if (dateCanServe(name)) return ownZone(name);
  } else if (own && tz === undefined) {
    const name = systemZoneName();
    if (name !== null && dateCanServe(name)) return ownZone(name);
  }
  return zoneFromEnv(env);
}

/**
 * The zone Date already uses. A universal zone (UTC, Etc/GMT-2) has one offset for all time,
 * known from its name: a host on UTC then never touches ICU's zone data at all (~0.5 MB
 * resident, docs/operations.md "Memory"). tzdata's Etc/GMT signs are POSIX's: Etc/GMT+5 is
 * five hours behind UTC.
 */
function ownZone(name: string): Zone {
  const gmt = /^Etc\/GMT([+-][0-9]{1,2})?$/.exec(name);
  if (name === "UTC" || name === "Etc/UTC" || gmt) {
    const offset = gmt?.[1] === undefined ? 0 : -Number(gmt[1]) * 3600 || 0;
    return zoneWithOffsets(name, () => offset);
  }
  return zoneWithOffsets(name, dateLocalOffset);
}
