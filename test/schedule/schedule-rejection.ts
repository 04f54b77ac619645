import { expect } from "vitest";
import { parseSchedule, ScheduleError } from "../../src/schedule/schedule.js";

/**
 * The message of the ScheduleError that reading a schedule throws: `text` for parseSchedule, or
 * any other reader. Fails the test when nothing is thrown or something else is.
 */
export function rejectionOf(schedule: string | (() => unknown)): string {
  try {
    if (typeof schedule === "string") parseSchedule(schedule);
    else schedule();
  } catch (err) {
    expect(err).toBeInstanceOf(ScheduleError);
    return (err as Error).message;
  }
  throw new Error(`expected ${typeof schedule === "string" ? JSON.stringify(schedule) : "the schedule"} to be rejected`);
}
