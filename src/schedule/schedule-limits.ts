import { ScheduleError } from "./errors.js";

/**
 * Bounds on schedule text, checked before any parsing, so a hostile or mistaken `when` (a 1 MB
 * string in a config file) is refused at once instead of keeping the daemon busy.
 * - 1024 characters: a 6-field cron line that lists every second and every minute one by one is
 *   about 350; runwhen constraints allow each unit once and stay under 60.
 * - 64 items in one cron list: enough to list every value of the widest field (60 seconds).
 */
const MAX_SCHEDULE_LENGTH = 1024;
export const MAX_LIST_ITEMS = 64;

export function checkScheduleLength(text: string): void {
  if (text.length > MAX_SCHEDULE_LENGTH) {
    throw new ScheduleError(
      `schedule too long: ${text.length} characters, at most ${MAX_SCHEDULE_LENGTH} allowed: ${JSON.stringify(text.slice(0, 40))}…`,
    );
  }
}
