// Sizes (powers of 1024, as multilog and ulimit users count buffers) and percentages.
import { describe, expect, it } from "vitest";
import { parsePercent } from "../../src/options/percent-option.js";
import { formatSizeBytes, parseSizeBytes } from "../../src/options/size-option.js";

describe("parseSizeBytes", () => {
  it.each([
    ["1048576", 1_048_576],
    ["512K", 512 * 1024],
    ["512k", 512 * 1024],
    ["1M", 1024 ** 2],
    ["2G", 2 * 1024 ** 3],
    [" 4096 ", 4096],
  ])("%j is %d bytes", (text, bytes) => {
    expect(parseSizeBytes(text)).toBe(bytes);
  });

  it.each(["", "1.5M", "1T", "M", "-1K", "1 M", "1MB", "99999999999999999999"])("%j is not a size", (text) => {
    expect(parseSizeBytes(text)).toBeNull();
  });

  it.each([
    [1_048_576, "1M"],
    [4096, "4K"],
    [1000, "1000"],
    [1024 ** 3, "1G"],
  ])("%d is shown as %s", (bytes, text) => {
    expect(formatSizeBytes(bytes)).toBe(text);
  });
});

describe("parsePercent", () => {
  it.each([
    ["50", 50],
    ["50%", 50],
    ["0", 0],
    ["100%", 100],
    ["12.5%", 12.5],
  ])("%j is %d percent", (text, p) => {
    expect(parsePercent(text)).toBe(p);
  });

  it.each(["", "fifty", "-5%", "50%%", "%"])("%j is not a percentage", (text) => {
    expect(parsePercent(text)).toBeNull();
  });
});
