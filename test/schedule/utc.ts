/** Instants written the way a person checks them: ISO 8601 in UTC. */
import type { Instant } from "../../src/time/instant.js";

export function utc(isoText: string): Instant {
  const ms = Date.parse(isoText);
  if (Number.isNaN(ms) || !/(Z|[+-]\d\d:\d\d)$/.test(isoText)) throw new Error(`test: bad ISO time ${isoText}`);
  return { seconds: Math.floor(ms / 1000), nanos: Math.round((ms % 1000) * 1e6) };
}

export function isoOf(t: Instant): string {
  return new Date(t.seconds * 1000).toISOString().replace(".000Z", "Z") + (t.nanos ? `+${t.nanos}ns` : "");
}
