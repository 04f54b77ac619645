import { ScheduleError } from "./errors.js";

/**
 * Vixie cron's `@` aliases, spelled as Vixie spells them (lower case), each the 5-field line it
 * stands for. `@reboot` is not a time of day: it means "once when the service starts", which is
 * the daemon's business, not a schedule's — it is refused here with a message that says so.
 */
const ALIASES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const KNOWN = Object.keys(ALIASES).join(" ");

/** The cron line an alias stands for; `text` is the whole schedule, `at` the 0-based offset of `@`. */
export function expandCronAlias(text: string, at: number): string {
  const alias = text.trim();
  const line = ALIASES[alias];
  if (line !== undefined) return line;
  const where = `at position ${at + 1}`;
  if (alias === "@reboot") {
    throw new ScheduleError(`cron alias @reboot (${where}) is not supported yet: it means "once at start", not a time; known aliases: ${KNOWN}`);
  }
  throw new ScheduleError(`unknown cron alias ${JSON.stringify(alias)} ${where}; known aliases: ${KNOWN}`);
}
