// The one duration syntax every option and env file uses; expected values are plain arithmetic.
import { describe, expect, it } from "vitest";
import { durationWords, parseDurationMs } from "../../src/time/duration-option.js";

describe("parseDurationMs", () => {
  it.each([
    ["90", 90_000],
    ["1.5", 1_500],
    ["90s", 90_000],
    ["500ms", 500],
    ["1.5m", 90_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    [" 10m ", 600_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(["", "abc", "10 minutes", "weekly", "-5s", "1x", "h", "5s-", "367d", "1e3"])("%j is not a duration", (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });
});

describe("durationWords: the largest exact unit, read back by parseDurationMs", () => {
  it.each([
    [600_000, "10m"],
    [1000, "1s"],
    [1500, "1500ms"],
    [0, "0ms"],
    [86_400_000, "1d"],
    [90_000, "90s"],
  ])("%d ms is %s", (ms, text) => {
    expect(durationWords(ms)).toBe(text);
    expect(parseDurationMs(text)).toBe(ms);
  });
});
