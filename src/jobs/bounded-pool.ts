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
