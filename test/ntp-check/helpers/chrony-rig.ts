import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requires } from "../../support/requires.js";
import { ntpAt } from "./ntp-wire.js";

/** The gate for every test using these servers: chrony, the feeder's Perl, and root (chronyd refuses to start otherwise). */
export const withChronyd = requires("chronyd", "chronyc", "perl Time::HiRes", "root");

/**
 * Real chronyd servers on loopback ports for the tests (Debian's chrony; needs root):
 *  - "local": synchronised-looking, `local stratum N`, LI 0
 *  - "unsynced": no source at all: chrony answers LI=3, stratum 0, refid 0
 *  - "shifted": a SOCK refclock fed "true time = system time + offset", so it serves
 *    time that far from ours (−0.985 s for the incident), stratum 1, refid FAKE
 * Each instance has its own temp dir, config, pidfile, driftfile; `-x` never touches the
 * system clock; `cmdport 0`; stopped by pid.
 */
export type ChronyKind = { kind: "local"; stratum: number } | { kind: "unsynced" } | { kind: "shifted"; offset: number; leap?: number };

export interface ChronyServer {
  readonly address: string;
  readonly port: number;
  readonly dir: string;
  /** chronyc -h this, to read the server's own tracking/sources */
  readonly cmdSocket: string;
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

const FEEDER = join(dirname(fileURLToPath(import.meta.url)), "sock-feeder.pl");

export async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One raw request; resolves with the reply's first byte and stratum, or null on timeout. */
function probe(port: number, timeoutMs: number, address: string): Promise<{ leap: number; stratum: number } | null> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const req = Buffer.alloc(48);
    req[0] = 0x23;
    const nonce = ntpAt(Date.now());
    req.writeBigUInt64BE(nonce, 40);
    const t = setTimeout(() => done(null), timeoutMs);
    function done(v: { leap: number; stratum: number } | null): void {
      clearTimeout(t);
      s.close();
      resolve(v);
    }
    s.on("message", (m) => {
      if (m.length >= 48 && m.readBigUInt64BE(24) === nonce) {
        done({ leap: m[0]! >> 6, stratum: m[1]! });
      }
    });
    s.on("error", () => done(null));
    s.send(req, port, address);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid, "SIGTERM");
  const killer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 3000);
  await exited(child);
  clearTimeout(killer);
}

async function startOnce(kind: ChronyKind, port: number, readyWithinMs: number, address: string): Promise<ChronyServer | string> {
  const dir = await mkdtemp(join(tmpdir(), "chime-chrony-"));
  const cmdDir = join(dir, "cmd");
  await mkdir(cmdDir, { mode: 0o700 });
  const refSock = join(dir, "ref.sock");
  const lines = [
    `port ${port}`,
    `bindaddress ${address}`,
    "allow 127.0.0.0/8",
    "cmdport 0",
    `bindcmdaddress ${join(cmdDir, "chronyd.sock")}`,
    `pidfile ${join(dir, "chronyd.pid")}`,
    `driftfile ${join(dir, "drift")}`,
  ];
  if (kind.kind === "local") lines.push(`local stratum ${kind.stratum}`);
  if (kind.kind === "shifted") lines.push(`refclock SOCK ${refSock} refid FAKE poll 0`);
  await writeFile(join(dir, "chrony.conf"), `${lines.join("\n")}\n`);
  let log = "";
  const chronyd = spawn("chronyd", ["-x", "-d", "-u", "root", "-f", join(dir, "chrony.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  chronyd.stdout!.on("data", (b: Buffer) => (log += b.toString()));
  chronyd.stderr!.on("data", (b: Buffer) => (log += b.toString()));
  const children: ChildProcess[] = [chronyd];
  const stop = async (): Promise<void> => {
    for (const c of [...children].reverse()) await stopChild(c);
    await rm(dir, { recursive: true, force: true });
  };
  if (kind.kind === "shifted") {
    const feeder = spawn("perl", [FEEDER, String(kind.offset), String(kind.leap ?? 0), refSock], { stdio: "ignore" });
    children.push(feeder);
  }
  // Ready = it answers; a refclock-fed server only once it has selected the refclock (LI ≠ 3).
  const deadline = Date.now() + readyWithinMs;
  while (Date.now() < deadline) {
    if (chronyd.exitCode !== null) break;
    const r = await probe(port, 200, address);
    if (r !== null && (kind.kind !== "shifted" || r.leap !== 3)) {
      return { address, port, dir, cmdSocket: join(cmdDir, "chronyd.sock"), pids: children.map((c) => c.pid!), stop };
    }
    if (r !== null) await new Promise((res) => setTimeout(res, 100));
  }
  await stop();
  return `chronyd (${kind.kind}) on port ${port} not ready within ${readyWithinMs} ms: ${log.trim()}`;
}

/**
 * Retries on another port when the one we picked was taken between probe and bind. `address`:
 * another loopback address (127.0.0.2 …), for tests that tell peers apart by address.
 */
export async function startChronyd(kind: ChronyKind, readyWithinMs = 15_000, address = "127.0.0.1"): Promise<ChronyServer> {
  withChronyd.assert();
  let why = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await startOnce(kind, await freeUdpPort(), readyWithinMs, address);
    if (typeof r !== "string") return r;
    why = r;
  }
  throw new Error(why);
}
