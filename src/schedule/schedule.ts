import { compileSchedule, type Schedule } from "./compiled-schedule.js";
import { isRebootAlias, rebootSchedule } from "./cron-aliases.js";
import { cronToModel } from "./cron.js";
import { runwhenSchedule } from "./runwhen-schedule.js";

export type { Schedule } from "./compiled-schedule.js";
export type { Zone } from "./zone.js";
export { ScheduleError, ScheduleRangeError } from "./errors.js";

/**
 * Either language, told apart without guessing: runwhen constraints start with "," (or are
 * empty: every second); anything else is a cron expression.
 */
export function parseSchedule(text: string): Schedule {
  if (text === "" || text.startsWith(",")) return runwhenSchedule(text);
  if (isRebootAlias(text)) return rebootSchedule(text);
  return compileSchedule(text, "cron", cronToModel(text));
}
