import { describe, expect, test } from "vitest";
import { JobConfigError } from "../../src/jobs/job.js";
import { parseNtpCheckArgs } from "../../src/jobs/ntp-check/check-options.js";
import { ntpCheckSpec } from "../../src/jobs/ntp-check/spec.js";

function err(args: string[], env: Record<string, string> = {}): string {
  try {
    ntpCheckSpec.create(args, env);
  } catch (e) {
    expect(e).toBeInstanceOf(JobConfigError);
    return (e as Error).message;
  }
  throw new Error("no error");
}

describe("ntp-check options: flags, environment, defaults", () => {
  test("defaults from the issue: 4 samples 1 s apart, min 3 peers, 100 ms / 500 ms", () => {
    const c = parseNtpCheckArgs(["ntp1.example.org", "[2001:db8::1]:1123", "192.0.2.1:123", "2001:db8::2"], {});
    expect(c.servers.map((s) => [s.host, s.port])).toEqual([
      ["ntp1.example.org", 123],
      ["2001:db8::1", 1123],
      ["192.0.2.1", 123],
      ["2001:db8::2", 123],
    ]);
    expect(c).toMatchObject({
      samples: 4,
      spacingMs: 1000,
      timeoutMs: 1000,
      daemon: null,
      onCritical: null,
      promFile: null,
      verbose: false,
    });
    expect(c.thresholds).toEqual({ warn: 0.1, crit: 0.5, minPeers: 3, maxStratum: 7, unsyncPolls: 2 });
  });

  test("environment variables configure a service; a flag wins over its variable", () => {
    const env = {
      CHIME_NTP_SERVERS: "a.example, b.example c.example",
      CHIME_NTP_WARN: "50ms",
      CHIME_NTP_CRIT: "2s",
      CHIME_NTP_VERBOSE: "1",
    };
    const c = parseNtpCheckArgs(["--crit=1s"], env);
    expect(c.servers.map((s) => s.host)).toEqual(["a.example", "b.example", "c.example"]);
    expect(c.thresholds.warn).toBe(0.05);
    expect(c.thresholds.crit).toBe(1);
    expect(c.verbose).toBe(true);
    expect(parseNtpCheckArgs(["-v", "x"], {}).verbose).toBe(true);
    expect(parseNtpCheckArgs(["--verbose=no", "x"], env).verbose).toBe(false);
  });

  test("--on-critical is split into words and never given to a shell", () => {
    const c = parseNtpCheckArgs(
      ["--on-critical", "svc -t /service/openntpd", "--critical-after", "3", "--on-critical-every", "30m", "x"],
      {},
    );
    expect(c.onCritical).toEqual({ argv: ["svc", "-t", "/service/openntpd"], after: 3, everyMs: 1_800_000 });
  });

  test("--daemon picks its tool command", () => {
    expect(parseNtpCheckArgs(["--daemon", "openntpd", "x"], {}).daemon).toEqual({ kind: "openntpd", argv: ["ntpctl"] });
    expect(parseNtpCheckArgs(["--daemon", "chrony", "x"], { CHIME_NTP_CHRONYC: "chronyc -h /run/c.sock" }).daemon).toEqual({
      kind: "chrony",
      argv: ["chronyc", "-h", "/run/c.sock"],
    });
  });

  test("bad values are named with their source", () => {
    const duration = "not a duration with a unit, like 250ms, 2s, 1h";
    expect(err(["--warn", "abc", "x"])).toBe(`ntp-check: --warn: ${duration}: "abc"`);
    expect(err(["x"], { CHIME_NTP_CRIT: "5" })).toBe(`ntp-check: CHIME_NTP_CRIT (environment): ${duration}: "5"`);
    expect(err(["--samples", "0", "x"])).toBe('ntp-check: --samples: must be from 1 to 16: "0"');
    expect(err(["--spacing", "100ms", "x"])).toBe('ntp-check: --spacing: must be from 1s to 1m: "100ms"');
    expect(err(["--warn", "2s", "--crit", "1s", "x"])).toBe('ntp-check: --crit: must not be below --warn 2s: "1s"');
    expect(err(["--daemon", "ntpd", "x"])).toBe('ntp-check: --daemon: not one of openntpd, chrony, none: "ntpd"');
    expect(err(["--on-critical", " ", "x"])).toBe('ntp-check: --on-critical: must not be empty: " "');
    expect(err(["x", "--verbose=maybe"])).toBe('ntp-check: --verbose: not a switch (yes/no, 1/0, true/false or on/off): "maybe"');
    expect(err(["host:99999"])).toBe("ntp-check: bad port in server host:99999: 99999 (from argument)");
    expect(err([], { CHIME_NTP_SERVERS: "[::zz]:1" })).toBe(
      "ntp-check: not an IPv6 address in brackets: [::zz]:1 (from CHIME_NTP_SERVERS (environment))",
    );
    expect(err(["--bogus", "x"])).toBe("ntp-check: --bogus: unknown option");
    expect(err(["--timeout"])).toBe("ntp-check: --timeout: needs a value");
    expect(err([])).toBe("ntp-check: no SERVER given (arguments or CHIME_NTP_SERVERS)");
  });
});
