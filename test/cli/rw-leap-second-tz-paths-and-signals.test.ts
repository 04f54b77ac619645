// Edge cases found in a review of the rw-* tools and `chime next`, run as real processes.
// Expected values come from the published leap-second list (tai-oracle.ts) and GNU date.
import { execFileSync } from "node:child_process";
import { constants } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { evaluateChain, type ChainEnd } from "../../src/cli/rw-chain.js";
import { killStarted, runBin, startBin, waitCatches } from "./run-bin.js";
import { dateToUnix, stampHex, unixOfStamp, withDateOracle } from "./tai-oracle.js";

/** The TAI64N label of the inserted leap second 2016-12-31T23:59:60Z: one before 2017-01-01's. */
function leapSecondHex(): string {
  const nextDay = BigInt("0x" + stampHex(dateToUnix("2017-01-01T00:00:00Z")).slice(0, 16));
  return (nextDay - 1n).toString(16).padStart(16, "0") + "00000000";
}

describe("rw-match: a stamp inside an inserted leap second", () => {
  it("never answers before the stamp: 23:59:60 with no constraints gives 00:00:00 (not 23:59:59)", () => {
    const leap = leapSecondHex();
    const r = runBin("rw-match", ["@" + leap, ""], { TZ: "UTC" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const got = r.stdout.trim();
    expect(BigInt("0x" + got.slice(0, 16))).toBeGreaterThanOrEqual(BigInt("0x" + leap.slice(0, 16)));
    expect(unixOfStamp(got)).toEqual({ unix: dateToUnix("2017-01-01T00:00:00Z"), nanos: 0 });
  });

  it("the i form of the leap second (23:59:60) with an every-second schedule gives 00:00:00", () => {
    const r = runBin("rw-match", ["i2016-12-31T23:59:60Z", ",S/1"], { TZ: "UTC" });
    expect(r.status).toBe(0);
    expect(unixOfStamp(r.stdout.trim()).unix).toBe(dateToUnix("2017-01-01T00:00:00Z"));
  });

  it("chime next --from the leap second lists 00:00:00 first", () => {
    const r = runBin("chime", ["next", "", "--from", "@" + leapSecondHex(), "--count", "1"], { TZ: "UTC" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("2017-01-01T00:00:00+00:00\n");
  });
});

/** GNU date as the oracle: the first local noon at or after `unix` in zone `tz` (TZ as given). */
function nextNoonByDate(unix: number, tz: string): number {
  const env = { ...process.env, TZ: tz };
  const date = (args: string[]) => execFileSync("date", args, { env }).toString().trim();
  const day = date(["-d", `@${unix}`, "+%F"]);
  const noons = [day, date(["-d", `${day} + 1 day`, "+%F"])].map((d) => Number(date(["-d", `${d} 12:00:00`, "+%s"])));
  return noons.find((n) => n >= unix)!;
}

withDateOracle.describe("TZ naming a zone file by path, as glibc reads it", () => {
  const from = dateToUnix("2025-06-15T10:20:30Z");
  it.each([
    ":/usr/share/zoneinfo/Europe/Berlin",
    "/usr/share/zoneinfo/America/New_York",
    ":/usr/share/zoneinfo/US/Eastern", // a link to America/New_York
    ":/etc/localtime",
  ])("rw-match ,H=12 with TZ=%s agrees with GNU date", (tz) => {
    const r = runBin("rw-match", ["t" + from, ",H=12"], { TZ: tz });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(unixOfStamp(r.stdout.trim()).unix).toBe(nextNoonByDate(from, tz));
  });

  it("chime next shows Berlin's offsets for TZ=:/usr/share/zoneinfo/Europe/Berlin", () => {
    const r = runBin("chime", ["next", ",H=12", "--from", "i2025-03-29T13:00:00+0100", "--count", "2"], {
      TZ: ":/usr/share/zoneinfo/Europe/Berlin",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("2025-03-30T12:00:00+02:00\n2025-03-31T12:00:00+02:00\n");
  });

  it.each(["/nonexistent/zone", "/etc/passwd", ":/usr/share/zoneinfo/right/Europe/Berlin"])(
    "a path that names no usable zone file is named in the error: TZ=%s",
    (tz) => {
      const r = runBin("rw-match", ["n", ",H=12"], { TZ: tz });
      expect(r.status).toBe(100);
      expect(r.stderr).toBe(`rw-match: unknown time zone in TZ: ${tz}\n`);
    },
  );
});

describe("SIGUSR1 (svc -1) ends a waiting rw-sleep as the default action does", () => {
  afterEach(killStarted);
  // Node catches USR1 from its first moment (for its inspector), so readiness is read from ALRM,
  // which rw-* catches in the same instruction that takes USR1 over.
  const ALRM = constants.signals.SIGALRM;

  it("rw-sleep - dies by SIGUSR1 and opens no debugger (Node's own reaction to USR1)", async () => {
    const p = startBin("rw-sleep", ["-", "true"]);
    await waitCatches(p.child.pid!, ALRM);
    p.child.kill("SIGUSR1");
    // Bounded: a Node that took USR1 for its debugger would sleep on.
    const r = await Promise.race([p.done, new Promise<null>((res) => setTimeout(() => res(null), 5000))]);
    expect(r, "rw-sleep still running 5 s after SIGUSR1").not.toBeNull();
    expect(r!.signal).toBe("SIGUSR1");
    expect(r!.stderr).not.toMatch(/Debugger/);
  });

  it("while the final program runs, SIGUSR1 goes to it and its exit status becomes ours", async () => {
    const p = startBin("rw-sleep", ["t0", "sh", "-c", 'trap "echo got-usr1; exit 4" USR1; echo ready; while :; do sleep 0.05; done']);
    await p.waitFor("ready");
    p.child.kill("SIGUSR1");
    const r = await p.done;
    expect(r.stdout).toContain("got-usr1");
    expect(r.status).toBe(4);
  });
});

describe("TZ set but empty means UTC (glibc, musl, tzcode), e.g. from envdir with an env/TZ of one newline", () => {
  it("rw-match ,H=12 gives noon UTC", () => {
    const from = dateToUnix("2025-06-15T10:20:30Z");
    const r = runBin("rw-match", ["t" + from, ",H=12"], { TZ: "" });
    expect(r.stderr).toBe("");
    expect(unixOfStamp(r.stdout.trim()).unix).toBe(dateToUnix("2025-06-15T12:00:00Z"));
  });
  it("chime next shows +00:00", () => {
    const r = runBin("chime", ["next", ",H=12", "--from", "i2025-06-15T10:20:30Z", "--count", "1"], { TZ: "" });
    expect(r.stdout).toBe("2025-06-15T12:00:00+00:00\n");
  });
});

describe("chime next --from: errors name the text as typed", () => {
  it("a bare ISO date without offset is named as given, not with the i we tried", () => {
    const r = runBin("chime", ["next", ",M=0", "--from", "2025-03-29T00:00:00"], { TZ: "UTC" });
    expect(r.status).toBe(100);
    expect(r.stderr).toBe("chime: next: --from: malformed timestamp: 2025-03-29T00:00:00\n");
  });
  it("an overflowing t stamp still says arithmetic overflow", () => {
    const r = runBin("chime", ["next", ",M=0", "--from", "t99999999999999999999"], { TZ: "UTC" });
    expect(r.status).toBe(100);
    expect(r.stderr).toBe("chime: next: --from: arithmetic overflow: t99999999999999999999\n");
  });
});

describe("one SIGALRM ends one rw-sleep, not every later one in the chain", () => {
  afterEach(killStarted);

  it("in-process: after the first sleep the chain waits on a fresh wake signal", async () => {
    const first = new AbortController();
    first.abort(); // svc -a before or during the first sleep
    const later = new AbortController();
    let end: ChainEnd | undefined;
    const chain = evaluateChain("rw-sleep", ["-", "rw-add", "n", "d1H", "x", "rw-sleep", "$x", "job"], {
      env: {},
      dateTz: process.env["TZ"],
      now: () => ({ seconds: 1_800_000_000, nanos: 0 }),
      out: () => {},
      wake: first.signal,
      rearmWake: () => later.signal,
    }).then((e) => (end = e));
    await new Promise((r) => setTimeout(r, 50));
    expect(end).toBeUndefined(); // the second sleep (an hour) is still waiting
    later.abort(); // a second svc -a
    await chain;
    expect(end).toMatchObject({ kind: "run", file: "job", ignoreAlarm: true });
  });

  it("as a process: rw-sleep - … rw-sleep (an hour) … runs the job only after a second ALRM", async () => {
    const p = startBin("rw-sleep", ["-", "rw-add", "n", "d1H", "x", "rw-sleep", "$x", "sh", "-c", "echo ran"]);
    await waitCatches(p.child.pid!, constants.signals.SIGALRM);
    p.child.kill("SIGALRM");
    await new Promise((r) => setTimeout(r, 1000));
    expect(p.stdout()).toBe(""); // runwhen's second rw-sleep would still be sleeping
    p.child.kill("SIGALRM");
    await p.waitFor("ran");
    expect((await p.done).status).toBe(0);
  });
});

describe("a final program that is a directory", () => {
  it("fails as execve does: EACCES, exit 111, not 'not found'", () => {
    const r = runBin("rw-add", ["d1S", "d1S", "X", "/tmp"]);
    expect(r.status).toBe(111);
    expect(r.stderr).toBe("rw-add: unable to run /tmp: EACCES\n");
  });
});
