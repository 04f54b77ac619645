import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requires } from "../support/requires.js";
import { waitDead, waitFor } from "./processes.js";

/** The gate for tests that run a real unbound (Debian's package; no root needed). */
export const withUnbound = requires("unbound", "unbound-control", "unbound-checkconf");

/**
 * A real unbound on 127.0.0.1 at a free port, with its own configuration, directory and
 * control socket (a Unix socket, so no TLS keys are needed): no system service is touched.
 * It does no recursion (nothing beyond loopback is reachable); it answers from `local-data` and
 * `local-zone` lines, and from whatever file the test includes.
 */
export interface UnboundServer {
  /** 127.0.0.1 */
  readonly host: string;
  /** UDP and TCP */
  readonly port: number;
  /** the server's own directory (config, pid, log, control socket); removed by stop() */
  readonly dir: string;
  /** path of unbound.conf, for unbound-control -c and unbound-checkconf */
  readonly config: string;
  /** path of the control socket */
  readonly controlSocket: string;
  readonly pid: number;
  /** unbound-control -c CONFIG ARGS…, synchronously; stdout, stderr and exit status */
  control(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** the log so far (verbosity 1) */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface UnboundOptions {
  /** extra lines inside `server:` (local-data, local-zone, include: …), already indented or not */
  serverLines?: readonly string[];
  /** extra top-level lines after server: and remote-control: (e.g. another include) */
  extra?: readonly string[];
}

/** A port free for both UDP and TCP on 127.0.0.1 (unbound listens on both). */
export async function freeDnsPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const udp = createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", r));
    const port = udp.address().port;
    const tcpFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    udp.close();
    if (tcpFree) return port;
  }
  throw new Error("no port free for both UDP and TCP on 127.0.0.1 after 50 tries");
}

export async function startUnbound(options: UnboundOptions = {}): Promise<UnboundServer> {
  withUnbound.assert();
  const dir = await mkdtemp(join(tmpdir(), "chime-unbound-"));
  const port = await freeDnsPort();
  const config = join(dir, "unbound.conf");
  const controlSocket = join(dir, "control.sock");
  const conf = [
    "server:",
    `  interface: 127.0.0.1@${port}`,
    "  do-daemonize: no",
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${join(dir, "unbound.pid")}"`,
    "  use-syslog: no",
    `  logfile: "${join(dir, "unbound.log")}"`,
    "  verbosity: 1",
    "  do-ip6: no",
    "  num-threads: 1",
    "  access-control: 127.0.0.0/8 allow",
    // nothing beyond loopback is reachable: answer only from local data, never wait on upstreams
    '  module-config: "iterator"',
    "  do-not-query-localhost: no",
    ...(options.serverLines ?? []).map((l) => `  ${l.trim()}`),
    "remote-control:",
    "  control-enable: yes",
    `  control-interface: "${controlSocket}"`,
    "  control-use-cert: no",
    ...(options.extra ?? []),
    "",
  ].join("\n");
  await writeFile(config, conf, { flag: "wx" });
  const check = spawnSync("unbound-checkconf", [config], { encoding: "utf8", timeout: 30_000 });
  if (check.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`unbound-checkconf refused the test configuration: ${check.stdout}${check.stderr}`);
  }
  const child: ChildProcess = spawn("unbound", ["-d", "-c", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const control = (...args: string[]) => {
    const r = spawnSync("unbound-control", ["-c", config, ...args], { encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };
  const server: UnboundServer = {
    host: "127.0.0.1",
    port,
    dir,
    config,
    controlSocket,
    pid: child.pid ?? -1,
    control,
    log: async () => {
      try {
        const { readFile } = await import("node:fs/promises");
        return await readFile(join(dir, "unbound.log"), "utf8");
      } catch {
        return "";
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      if (!(await waitDead(child.pid ?? -1, 15_000))) child.kill("SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
  // ready when the control socket answers: unbound has read its configuration and bound its ports
  const ready = await waitFor(() => child.exitCode !== null || control("status").status === 0, 30_000, 50);
  if (!ready || child.exitCode !== null) {
    const log = await server.log();
    await server.stop();
    throw new Error(`unbound did not start: ${stderr}${log}`);
  }
  return server;
}
