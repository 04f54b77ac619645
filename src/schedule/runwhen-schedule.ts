import { compileSchedule, type Schedule } from "./compiled-schedule.js";
import { constraintsToModel } from "./runwhen-constraints.js";
import { checkScheduleLength } from "./schedule-limits.js";

/** runwhen constraints only — the light path for rw-match (no cron parser loaded). */
export function runwhenSchedule(text: string): Schedule {
  checkScheduleLength(text);
  return compileSchedule(text, "runwhen", constraintsToModel(text));
}
