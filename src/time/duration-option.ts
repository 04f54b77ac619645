/**
 * Durations as users write them in options and env files: `90` (seconds, like runwhen's
 * `d90S` and sleep(1)), `90s`, `1.5m`, `2h`, `1h30m`, `1d`, `1w`, `500ms`. Returns
 * milliseconds, or null when the text is not a duration (or is over a year) — the caller names
 * the option and where it came from. The one duration parser of the project.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SECONDS = /^\d+(?:\.\d+)?$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
const MAX_MS = 366 * 86_400_000;

export function parseDurationMs(text: string): number | null {
  const t = text.trim();
  let ms = 0;
  if (SECONDS.test(t)) {
    ms = Number(t) * 1000;
  } else {
    PART.lastIndex = 0;
    let at = 0;
    for (let m = PART.exec(t); m; m = PART.exec(t)) {
      ms += Number(m[1]) * UNIT_MS[m[2]!]!;
      at = PART.lastIndex;
    }
    if (t === "" || at !== t.length) return null;
  }
  return Number.isFinite(ms) && ms <= MAX_MS ? Math.round(ms) : null;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
}

/** The largest unit that states `ms` exactly, as a user would write it: 600000 → "10m". */
export function durationWords(ms: number): string {
  for (const [unit, f] of [
    ["w", 604_800_000],
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= f && ms % f === 0) return `${ms / f}${unit}`;
  }
  return `${ms}ms`;
}
