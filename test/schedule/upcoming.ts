/** The next `count` wake times of a schedule from an instant, as chime's daemon walks them. */
import { parseSchedule } from "../../src/schedule/schedule.js";
import { isoOf, utc } from "./utc.js";
import { tz } from "../zones.js";

export function upcoming(schedule: string, fromIso: string, zone: string, count: number): string[] {
  const s = parseSchedule(schedule);
  const out: string[] = [];
  let after = utc(fromIso);
  for (let i = 0; i < count; i++) {
    const t = s.next(after, tz(zone));
    out.push(isoOf(t));
    after = { seconds: t.seconds + 1, nanos: 0 };
  }
  return out;
}

export function nextOf(schedule: string, fromIso: string, zone: string): string {
  return isoOf(parseSchedule(schedule).next(utc(fromIso), tz(zone)));
}
