import { connect, createServer, type Socket } from "node:net";
import { listenOnLoopback } from "./servers.js";

/**
 * A TCP proxy that adds latency: connects upstream `delayMs` after accepting and forwards each
 * chunk `delayMs / 2` late in each direction, so one round trip costs about `delayMs` more.
 * (The kernel here has no netem; this is what the reference measurements used too.)
 */
export async function startDelayProxy(targetPort: number, delayMs: number): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const half = delayMs / 2;
  const pipeLate = (from: Socket, to: Socket): void => {
    from.on("data", (chunk) => setTimeout(() => to.writable && to.write(chunk), half));
    from.on("end", () => setTimeout(() => to.end(), half));
  };
  const server = createServer((client) => {
    sockets.add(client);
    client.pause();
    client.on("error", () => {});
    client.on("close", () => sockets.delete(client));
    setTimeout(() => {
      const upstream = connect(targetPort, "127.0.0.1");
      sockets.add(upstream);
      upstream.on("error", () => client.destroy());
      upstream.on("close", () => (sockets.delete(upstream), client.destroy()));
      client.on("close", () => upstream.destroy());
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      pipeLate(client, upstream);
      pipeLate(upstream, client);
      client.resume();
    }, delayMs);
  });
  return listenOnLoopback(server, sockets);
}
