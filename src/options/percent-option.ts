/**
 * Percentages as users write them: "50" or "50%", a fraction allowed ("12.5%"). Returns the
 * number of percent, or null when the text is not one; the range (0 to 100 unless the option
 * declares another, as a growth limit does) is the option layer's to check.
 */
const PERCENT = /^(\d+(?:\.\d+)?)\s*%?$/;

export function parsePercent(text: string): number | null {
  const m = PERCENT.exec(text.trim());
  if (!m) return null;
  return Number(m[1]);
}
