import { connect, createServer, type Socket } from "node:net";
import { listenOnLoopback } from "./servers.js";

export interface DelayProxy {
  readonly port: number;
  stop(): Promise<void>;
  /** connections accepted so far: a client (git fetch) has connected */
  accepted(): number;
  /**
   * From the `n`-th connection on (counting from 0 since start), hold new connections: they
   * stay accepted and silent, so the client sits mid-fetch until `release()`. A test can then
   * act while a fetch is certainly running, instead of hoping it still is after some time.
   */
  holdFrom(n: number): void;
  /** Lets every held connection through and stops holding. */
  release(): void;
}

/**
 * A TCP proxy that adds latency: connects upstream `delayMs` after accepting and forwards each
 * chunk `delayMs / 2` late in each direction, so one round trip costs about `delayMs` more.
 * (The kernel here has no netem; this is what the reference measurements used too.)
 */
export async function startDelayProxy(targetPort: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const half = delayMs / 2;
  let count = 0;
  let holdFrom = Infinity;
  let held: Array<() => void> = [];
  const pipeLate = (from: Socket, to: Socket): void => {
    from.on("data", (chunk) => setTimeout(() => to.writable && to.write(chunk), half));
    from.on("end", () => setTimeout(() => to.end(), half));
  };
  const forward = (client: Socket): void => {
    if (client.destroyed) return;
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on("close", () => upstream.destroy());
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    pipeLate(client, upstream);
    pipeLate(upstream, client);
    client.resume();
  };
  const server = createServer((client) => {
    sockets.add(client);
    client.pause();
    client.on("error", () => {});
    client.on("close", () => sockets.delete(client));
    const go = (): void => void setTimeout(() => forward(client), delayMs);
    if (count++ >= holdFrom) held.push(go);
    else go();
  });
  const listening = await listenOnLoopback(server, sockets);
  return {
    ...listening,
    accepted: () => count,
    holdFrom(n) {
      holdFrom = n;
    },
    release() {
      holdFrom = Infinity;
      const go = held;
      held = [];
      for (const f of go) f();
    },
  };
}
