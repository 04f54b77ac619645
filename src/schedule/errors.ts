/** A schedule that cannot be parsed or has a value out of range; the message names the culprit. */
export class ScheduleError extends Error {
  override readonly name = "ScheduleError";
}

/** Nothing matches within 400 years (the Gregorian cycle: then nothing ever will). */
export class ScheduleRangeError extends Error {
  override readonly name = "ScheduleRangeError";
  constructor() {
    super("timestamp out of range");
  }
}
