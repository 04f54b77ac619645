/**
 * A command given as one option value (--on-critical, --on-failure, env/CHIME_ON_FAILURE):
 * words split on white space and run without a shell — no quoting, no expansion, so nothing in
 * the value is ever interpreted.
 */
export function commandWords(text: string): string[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
}
