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
    // USR2 and QUIT would kill Node; nobody sends them to chime on purpose, so say so and go on
    ["SIGUSR2", () => log.info({ signal: "USR2" }, "signal ignored")],
  ];
  for (const [sig, fn] of handlers) proc.on(sig, fn);
  return () => {
    for (const [sig, fn] of handlers) proc.off(sig, fn);
  };
}
