/**
 * Runs `work` over `items` with at most `width` at once, results in the items' order. Once
 * `signal` aborts, the items not yet started get `skipped(item)` instead of being worked on.
 * Shared by every job that fans out (git-backup's mirrors, ASN lookups).
 */
export async function boundedPool<T, R>(
  items: readonly T[],
  width: number,
  signal: AbortSignal,
  work: (t: T) => Promise<R>,
  skipped: (t: T) => R,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i] as T;
      out[i] = signal.aborted ? skipped(item) : await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), items.length) }, worker));
  return out;
}

/** A held slot: give it back exactly once (a second call does nothing). */
export type SlotRelease = () => void;

export interface Slots {
  take(): Promise<SlotRelease>;
}

/**
 * At most `width` holders at once, first come first served. git-backup's mirrors take one
 * around each network git, so the fetches stay bounded while other mirrors do their local
 * work (lock, snapshot, journal) beside them instead of in line behind them.
 */
export function slots(width: number): Slots {
  let free = Math.max(1, width);
  const waiting: Array<() => void> = [];
  const releaser = (): SlotRelease => {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
  return {
    take() {
      if (free > 0) {
        free--;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve) => waiting.push(() => resolve(releaser())));
    },
  };
}

/** `work` inside one of `s`'s slots, given back however `work` ends. */
export async function inSlot<R>(s: Slots, work: () => Promise<R>): Promise<R> {
  const release = await s.take();
  try {
    return await work();
  } finally {
    release();
  }
}
