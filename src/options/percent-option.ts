/**
 * Percentages as users write them: "50" or "50%", a fraction allowed ("12.5%"), 0 to 100.
 * Returns the number of percent, or null when the text is not one.
 */
const PERCENT = /^(\d+(?:\.\d+)?)\s*%?$/;

export function parsePercent(text: string): number | null {
  const m = PERCENT.exec(text.trim());
  if (!m) return null;
  const p = Number(m[1]);
  return p <= 100 ? p : null;
}
