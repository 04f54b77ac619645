/**
 * Signals to a child's whole process group (the child was spawned detached, so its pid is
 * the group id). supervise signals only the pid it started, so killing grandchildren is our
 * job: `sh -c 'sleep 600'` must not outlive an aborted run.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is gone already
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}
