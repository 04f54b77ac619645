/**
 * The one shape of a message about a bad setting, whoever finds it (the option layer, the
 * schedule parser, the user lookup): where the value came from, what is wrong, the value as
 * given — `CHIME_SPLAY (environment): not a duration like 90s, 5m, 1h: "-3"`. A number from a
 * config file is shown as written, a string quoted so blanks and empty values are visible.
 */
export function badValue(source: string, why: string, value?: unknown): string {
  const shown = value === undefined ? "" : `: ${typeof value === "number" ? String(value) : JSON.stringify(value)}`;
  return `${source}: ${why}${shown}`;
}
