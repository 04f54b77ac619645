/**
 * Sizes as users write them in options and env files: bytes (`1048576`) or a whole number with
 * K, M or G (powers of 1024, as `multilog s` and `ulimit` users think of buffers), in either
 * case. Returns bytes, or null when the text is not a size — the caller names the option and
 * where it came from. The one size parser of the project.
 */
const SIZE = /^(\d+)([kmg]?)$/i;
const FACTOR: Readonly<Record<string, number>> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseSizeBytes(text: string): number | null {
  const m = SIZE.exec(text.trim());
  if (!m) return null;
  const bytes = Number(m[1]) * FACTOR[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** The shortest exact form: 1048576 → "1M", 4096 → "4K", 1000 → "1000". */
export function formatSizeBytes(bytes: number): string {
  for (const [unit, f] of [
    ["G", 1024 ** 3],
    ["M", 1024 ** 2],
    ["K", 1024],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return String(bytes);
}
