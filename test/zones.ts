import { zoneNamed, type Zone } from "../src/schedule/zone.js";

// One zone value per name for a whole test file: its transition table then fills once, as in
// the daemon, instead of once per call.
const zones = new Map<string, Zone>();

/** The zone value for an IANA name or a POSIX TZ rule, as the edge would resolve it. */
export function tz(name: string): Zone {
  let zone = zones.get(name);
  if (!zone) {
    zone = zoneNamed(name);
    zones.set(name, zone);
  }
  return zone;
}
