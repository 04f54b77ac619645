import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect, type Server, type Socket } from "node:net";
import { testGitEnv, withGit } from "./git-fixtures.js";

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

export interface GitDaemon {
  port: number;
  url(name: string): string;
  stop(): Promise<void>;
}

/**
 * A real `git daemon` exporting every repository under `root`, on a free loopback port.
 * `extraEnv` reaches the daemon and the upload-packs it starts (e.g. GIT_CONFIG_GLOBAL naming
 * a config with an `uploadpack.packObjectsHook`, which git reads only from protected config).
 */
export async function startGitDaemon(root: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<GitDaemon> {
  withGit.assert();
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      "git",
      [
        "daemon",
        "--reuseaddr",
        "--export-all",
        "--informative-errors",
        `--base-path=${root}`,
        "--listen=127.0.0.1",
        `--port=${port}`,
        root,
      ],
      { env: { ...testGitEnv, ...extraEnv }, stdio: "ignore" },
    );
    if (await waitForPort(port, child)) {
      return {
        port,
        url: (name) => `git://127.0.0.1:${port}/${name}`,
        stop: () => stopChild(child),
      };
    }
    await stopChild(child);
  }
  throw new Error("could not start git daemon");
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 2000);
  await gone;
  clearTimeout(t);
}

/** Accepts connections and never says a byte: a hung server. */
export async function startSilentServer(): Promise<{
  port: number;
  stop: () => Promise<void>;
  /** connections accepted so far, and the most that were open at once */
  counts: () => { accepted: number; mostAtOnce: number };
}> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let mostAtOnce = 0;
  const server: Server = createServer((s) => {
    sockets.add(s);
    accepted++;
    mostAtOnce = Math.max(mostAtOnce, sockets.size);
    // read and drop what the client sends: a paused socket never sees the client's close
    s.resume();
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  return { ...(await listenOnLoopback(server, sockets)), counts: () => ({ accepted, mostAtOnce }) };
}

/** Listens on a free 127.0.0.1 port; stop() destroys the open `sockets` and closes the server. */
export async function listenOnLoopback(server: Server, sockets: Set<Socket>): Promise<{ port: number; stop: () => Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
