import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.js";

/**
 * What one poll must remember for the next: which peers answered LI=3 last time (a healthy
 * server does so for a second during a leap, a broken one for hours), how many polls in a
 * row were critical, when the remediation last ran, and which peers told us to go away.
 * Kept in the Job instance and mirrored to the state directory, so a run-once check called
 * every few minutes by Nagios, and a restarted service, remember too.
 */
export interface CheckMemory {
  unsyncPolls: Map<string, number>;
  consecutiveCritical: number;
  /** POSIX ms */
  lastOnCriticalAt: number | null;
  /** peer label → { code, until POSIX ms, backoff ms } */
  kissHolds: Map<string, { code: string; untilMs: number; backoffMs: number }>;
}

export function emptyMemory(): CheckMemory {
  return { unsyncPolls: new Map(), consecutiveCritical: 0, lastOnCriticalAt: null, kissHolds: new Map() };
}

const FILE = "ntp-check.json";

export async function loadMemory(stateDir: string): Promise<CheckMemory> {
  let raw: string;
  try {
    raw = await readFile(join(stateDir, FILE), "utf8");
  } catch {
    return emptyMemory();
  }
  try {
    const j = JSON.parse(raw) as {
      unsyncPolls?: Record<string, number>;
      consecutiveCritical?: number;
      lastOnCriticalAt?: number | null;
      kissHolds?: Record<string, { code: string; untilMs: number; backoffMs: number }>;
    };
    return {
      unsyncPolls: new Map(Object.entries(j.unsyncPolls ?? {}).filter(([, n]) => Number.isInteger(n))),
      consecutiveCritical: Number.isInteger(j.consecutiveCritical) ? j.consecutiveCritical! : 0,
      lastOnCriticalAt: typeof j.lastOnCriticalAt === "number" ? j.lastOnCriticalAt : null,
      kissHolds: new Map(Object.entries(j.kissHolds ?? {})),
    };
  } catch {
    // A torn or hand-edited file must not stop the monitor; start afresh.
    return emptyMemory();
  }
}

export async function saveMemory(stateDir: string, m: CheckMemory): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const data = {
    unsyncPolls: Object.fromEntries(m.unsyncPolls),
    consecutiveCritical: m.consecutiveCritical,
    lastOnCriticalAt: m.lastOnCriticalAt,
    kissHolds: Object.fromEntries(m.kissHolds),
  };
  await writeFileAtomic(join(stateDir, FILE), `${JSON.stringify(data)}\n`);
}

/** RFC 8633 §5.4: back off on RATE, doubling, capped near 2^13 s; DENY/RSTR: stop for a day. */
export const RATE_FIRST_BACKOFF_MS = 64_000;
export const RATE_MAX_BACKOFF_MS = 8192_000;
export const DENY_HOLD_MS = 86_400_000;

export function holdAfterKiss(m: CheckMemory, label: string, code: string, nowMs: number): void {
  if (code === "RATE") {
    const prev = m.kissHolds.get(label);
    const backoffMs = Math.min(RATE_MAX_BACKOFF_MS, prev ? prev.backoffMs * 2 : RATE_FIRST_BACKOFF_MS);
    m.kissHolds.set(label, { code, untilMs: nowMs + backoffMs, backoffMs });
  } else if (code === "DENY" || code === "RSTR") {
    m.kissHolds.set(label, { code, untilMs: nowMs + DENY_HOLD_MS, backoffMs: DENY_HOLD_MS });
  }
}
