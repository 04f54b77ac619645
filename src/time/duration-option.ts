/**
 * Durations as users write them in options and env files: `90`, `90s`, `1.5m`, `2h`, `1d`,
 * `500ms`. A bare number is seconds (like runwhen's `d90S` and sleep(1)). Returns
 * milliseconds, or null when the text is not a duration — the caller names the option.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

export function parseDurationMs(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? "s"] ?? 1000);
  return Number.isFinite(ms) && ms <= 366 * 86_400_000 ? Math.round(ms) : null;
}

export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
}
