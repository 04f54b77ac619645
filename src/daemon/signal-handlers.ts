import type { Logger } from "pino";

/**
 * Every signal supervise, runit or s6 can send, handled on purpose. Node's defaults would
 * kill us on HUP (`svc -h`) and ALRM (`svc -a`) and open the inspector on USR1 (`sv 1`).
 */
export interface SignalActions {
  stop(signal: "TERM" | "INT"): void;
  reload(): void;
  alarm(): void;
  status(): void;
}

type SignalSource = Pick<NodeJS.Process, "on" | "off">;

export function installSignalHandlers(actions: SignalActions, log: Logger, proc: SignalSource = process): () => void {
  const handlers: Array<[NodeJS.Signals, () => void]> = [
    ["SIGTERM", () => actions.stop("TERM")],
    ["SIGINT", () => actions.stop("INT")],
    ["SIGHUP", () => actions.reload()],
    ["SIGALRM", () => actions.alarm()],
    ["SIGUSR1", () => actions.status()],
    // USR2 (`sv 2`, `s6-svc -2`) and QUIT (`sv quit`, `s6-svc -q`) would kill Node (QUIT with a
    // core dump, orphaning a running job's processes); they mean nothing to chime: say so, go on
    ["SIGUSR2", () => log.info({ signal: "USR2" }, "signal ignored")],
    ["SIGQUIT", () => log.info({ signal: "QUIT" }, "signal ignored")],
  ];
  for (const [sig, fn] of handlers) proc.on(sig, fn);
  return () => {
    for (const [sig, fn] of handlers) proc.off(sig, fn);
  };
}
