import { readFileSync, readlinkSync, statSync } from "node:fs";
import { zoneFromEnv } from "../schedule/zone.js";
import { useDateLocalOffsets } from "../schedule/zone-offsets.js";

type Env = Readonly<Record<string, string | undefined>>;

const ZONEINFO = "/usr/share/zoneinfo/";
/** Zones with no country, which the zone tables below do not list. */
const UNIVERSAL = /^(UTC|Etc\/UTC|Etc\/GMT([+-][0-9]{1,2})?)$/;

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
 * The local zone for the rw-* tools, `chime next` and a service: the same answer as zoneFromEnv, but when
 * the zone is the one JS Date already uses (TZ of this process, or the system zone) and the host
 * has its zone file, offsets are read through Date instead of Intl — a run-script pass then
 * never pays for Intl's start-up. Anything else (a TZ the chain changed, no zone file, an odd
 * name) takes zoneFromEnv's path, which validates through Intl and names a bad TZ.
 */
export function localZone(env: Env): string {
  const tz = env["TZ"];
  const own = tz === process.env["TZ"];
  if (own && tz !== undefined && tz !== "") {
    const name = tz.startsWith(":") ? tz.slice(1) : tz;
    if (dateCanServe(name)) {
      useDateLocalOffsets(name);
      return name;
    }
  } else if (own && tz === undefined) {
    const name = systemZoneName();
    if (name !== null && dateCanServe(name)) {
      useDateLocalOffsets(name);
      return name;
    }
  }
  return zoneFromEnv(env);
}
