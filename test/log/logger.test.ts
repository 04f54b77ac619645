import { describe, expect, it } from "vitest";
import { createLog } from "../../src/log/logger.js";
import { parseLogLabel } from "../support/parse-log-label.js";
import { Capture, StalledReader } from "./capture.js";

const LINE = /^(@[0-9a-f]{24}) (\S+) (\S+) (.*)$/;
const fixedMs = Date.UTC(2026, 10, 25, 12, 32, 1, 317);

describe("TAI64N line destination", () => {
  it("writes `@label level job message key=value` with the daemontools label of the wall clock", () => {
    const out = new Capture();
    const l = createLog({ out, clockMs: () => fixedMs });
    l.forJob("git-backup").info({ repo: "mirror/foo.git", ms: 123 }, "fetched");
    const m = LINE.exec(out.lines[0]!);
    expect(m).not.toBeNull();
    // daemontools: 2^62 + 10 + unix seconds, nanoseconds from the wall clock
    expect(m![1]).toBe(
      "@" + (2n ** 62n + 10n + BigInt(Math.floor(fixedMs / 1000))).toString(16) + (317_000_000).toString(16).padStart(8, "0"),
    );
    expect(parseLogLabel(m![1]!)).toEqual({ seconds: Math.floor(fixedMs / 1000), nanos: 317_000_000 });
    expect(m![2]).toBe("info");
    expect(m![3]).toBe("git-backup");
    expect(m![4]).toBe("fetched repo=mirror/foo.git ms=123");
  });

  it("tags lines of the root logger with chime, and keeps child bindings", () => {
    const out = new Capture();
    const l = createLog({ out });
    l.log.warn("hello");
    l.forJob("exec").child({ run: 7 }).error("boom");
    expect(out.lines[0]).toMatch(/^@[0-9a-f]{24} warn chime hello$/);
    expect(out.lines[1]).toMatch(/^@[0-9a-f]{24} error exec boom run=7$/);
  });

  it("--log-format json: lines about chime itself carry job=chime, job lines their tag, each key once", () => {
    const out = new Capture();
    const l = createLog({ out, format: "json", stamp: "none" });
    l.log.info({ jobs: 1 }, "starting");
    l.forJob("exec").info("hi");
    expect(out.lines).toHaveLength(2);
    for (const line of out.lines) expect(line.match(/"job":/g)).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ job: "chime", jobs: 1, msg: "starting" });
    expect(JSON.parse(out.lines[1]!)).toMatchObject({ job: "exec", msg: "hi" });
  });

  it("never produces an unstamped line, whatever the message holds", () => {
    const out = new Capture();
    const l = createLog({ out });
    l.forJob("exec").info("line one\n@4000 not a label\r\nline three");
    l.forJob("exec").info({ detail: "a\nb" }, "x");
    l.forJob("exec").info(new Error("multi\nline").stack ?? "");
    for (const line of out.lines) expect(line).toMatch(/^@[0-9a-f]{24} /);
    expect(out.lines).toHaveLength(3);
  });

  it("--log-stamp none leaves stamping to multilog t: no label, never a leading @", () => {
    const out = new Capture();
    const l = createLog({ out, stamp: "none" });
    l.forJob("exec").info("@looks like a label");
    expect(out.lines[0]).toBe("info exec @looks like a label");
  });

  it("--log-format json writes pino's JSON lines, stamped or not", () => {
    const out = new Capture();
    createLog({ out, format: "json", stamp: "none", clockMs: () => fixedMs })
      .forJob("ntp-check")
      .info({ offset_ms: 1.5 }, "polled");
    const rec = JSON.parse(out.lines[0]!);
    expect(rec).toMatchObject({ level: 30, job: "ntp-check", offset_ms: 1.5, msg: "polled" });
    const out2 = new Capture();
    createLog({ out: out2, format: "json" }).log.info("x");
    expect(out2.lines[0]).toMatch(/^@[0-9a-f]{24} \{"level":30,/);
  });

  it("redacts secrets in messages and fields, in both formats", () => {
    for (const format of ["text", "json"] as const) {
      const out = new Capture();
      const l = createLog({ out, format });
      l.forJob("git-backup").error(
        { url: "https://bob:pw123456@git.example/r.git", token: "ghp_abcdefghijklmnopqrstuvwxyz012345" },
        "fetch https://bob:pw123456@git.example/r.git failed",
      );
      expect(out.text).not.toContain("pw123456");
      expect(out.text).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz012345");
      expect(out.text).toContain("bob:[redacted]@git.example");
    }
  });
});

describe("redaction never breaks a JSON line", () => {
  it("a URL followed by an @ in a later field, and a message ending in password=, stay valid JSON", () => {
    const out = new Capture();
    const l = createLog({ out, format: "json", stamp: "none" });
    l.forJob("exec").info({ url: "https://example.com/x", mail: "root@example.com" }, "pushing to https://bob:pw123456@git.example/r.git");
    l.forJob("exec").info({ next: "value" }, "prompt ends with password=");
    l.forJob("exec").info({ api_key: "k-123456" }, 'curl --password "hunter 22"');
    const recs = out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(recs[0]).toMatchObject({
      job: "exec",
      url: "https://example.com/x",
      mail: "root@example.com",
      msg: "pushing to https://bob:[redacted]@git.example/r.git",
    });
    expect(recs[1]).toMatchObject({ next: "value", msg: "prompt ends with password=" });
    expect(recs[2]).toMatchObject({ api_key: "[redacted]", msg: "curl --password [redacted]" });
    expect(out.text).not.toMatch(/pw123456|k-123456|hunter 22/);
  });
});

describe("a stalled reader: bounded memory, counted drops, reported when it is back", () => {
  it("drops lines beyond the cap, counts them, and logs the count once the reader drains", async () => {
    const reader = new StalledReader();
    const l = createLog({ out: reader, capBytes: 8192 });
    const log = l.forJob("exec");
    const total = 2000;
    for (let i = 0; i < total; i++) log.info(`line ${i}`);
    // memory held is capped: the cap plus at most one line
    expect(reader.writableLength).toBeLessThan(8192 + 200);
    const dropped = l.dropped();
    expect(dropped).toBeGreaterThan(0);
    reader.release();
    await l.flush(1000);
    const lines = reader.text.split("\n").filter(Boolean);
    const kept = lines.filter((x) => / info exec line \d+$/.test(x)).length;
    expect(kept + dropped).toBe(total);
    const notice = lines.find((x) => x.includes("lines dropped"));
    expect(notice).toMatch(new RegExp(`^@[0-9a-f]{24} warn chime log reader was too slow, lines dropped dropped=${dropped}$`));
    // the lines that did arrive are the first ones, in order
    expect(lines[0]).toMatch(/ line 0$/);
  });

  it("a reader that is gone (EPIPE) makes logging a no-op, never an exception", () => {
    const reader = new Capture();
    const l = createLog({ out: reader });
    reader.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    expect(() => {
      for (let i = 0; i < 100; i++) l.log.info(`after ${i}`);
    }).not.toThrow();
  });
});
