/** Parsers for `chronyc -c tracking` and `chronyc -c sources` (CSV, chrony 4.x). */
export interface ChronyTracking {
  readonly refId: string;
  readonly refName: string;
  readonly stratum: number;
  /** seconds, true time minus system time (same sign as an NTP offset θ) */
  readonly systemTimeCorrection: number;
  readonly rootDelay: number;
  readonly rootDispersion: number;
  readonly leapStatus: string;
}

export interface ChronySource {
  /** ^ server, = peer, # reference clock */
  readonly mode: string;
  /** * selected, + combined, - not combined, x falseticker, ~ too variable, ? unusable */
  readonly state: string;
  readonly name: string;
  readonly stratum: number;
  readonly reach: number;
}

export function parseChronyTracking(text: string): ChronyTracking | null {
  const f = text.trim().split("\n")[0]?.split(",") ?? [];
  if (f.length < 14) return null;
  const stratum = Number(f[2]);
  const correction = Number(f[4]);
  if (!Number.isInteger(stratum) || !Number.isFinite(correction)) return null;
  return {
    refId: f[0]!,
    refName: f[1]!,
    stratum,
    systemTimeCorrection: correction,
    rootDelay: Number(f[10]),
    rootDispersion: Number(f[11]),
    leapStatus: f[13]!.trim(),
  };
}

export function parseChronySources(text: string): ChronySource[] | null {
  const out: ChronySource[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.split(",");
    if (f.length < 6 || !/^[\^=#]$/.test(f[0]!) || !/^[*+\-x~?]$/.test(f[1]!)) return null;
    out.push({ mode: f[0]!, state: f[1]!, name: f[2]!, stratum: Number(f[3]), reach: parseInt(f[5]!, 8) });
  }
  return out;
}
