import type { Schedule } from "./compiled-schedule.js";
import { ScheduleError, ScheduleRangeError } from "./errors.js";

/**
 * Vixie cron's `@` aliases, spelled as Vixie spells them (lower case), each the 5-field line it
 * stands for. `@reboot` is not a time of day: it means "once when the service starts", which is
 * the daemon's business — it parses into a schedule without slots that asks for that run
 * (rebootSchedule), never into a cron line.
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

const KNOWN = [...Object.keys(ALIASES), "@reboot"].join(" ");

/** Vixie's alias for "when cron starts"; ours: when the service starts. */
const REBOOT_ALIAS = "@reboot";

export function isRebootAlias(text: string): boolean {
  return text.trim() === REBOOT_ALIAS;
}

/**
 * `@reboot`: no slot ever matches (next throws, as for a schedule that stopped matching), and
 * `atStart` asks the daemon for one run at start. Kept apart from the match model on purpose:
 * a model with no allowed value would make next() search 400 years before saying so.
 */
export function rebootSchedule(text: string): Schedule {
  return Object.freeze({
    text,
    language: "cron" as const,
    atStart: true as const,
    next: (): never => {
      throw new ScheduleRangeError();
    },
    describe: () => `cron ${JSON.stringify(text)}: once when the service starts; no time slots`,
  });
}

/** The cron line an alias stands for; `text` is the whole schedule, `at` the 0-based offset of `@`. */
export function expandCronAlias(text: string, at: number): string {
  const alias = text.trim();
  const line = ALIASES[alias];
  if (line !== undefined) return line;
  const where = `at position ${at + 1}`;
  // parseSchedule turns @reboot into rebootSchedule before this; a caller that wants a cron
  // line for it gets told why there is none
  if (alias === REBOOT_ALIAS) throw new ScheduleError(`cron alias @reboot (${where}) is "once at start", not a time: it has no cron line`);
  throw new ScheduleError(`unknown cron alias ${JSON.stringify(alias)} ${where}; known aliases: ${KNOWN}`);
}
