import { describe, expect, it } from "vitest";
import { execSpec } from "../../src/jobs/exec/spec.js";
import { statusOfExit } from "../../src/jobs/exec/exec-job.js";
import { JobConfigError, type JobContext, type JobResult } from "../../src/jobs/job.js";
import { createLog } from "../../src/log/logger.js";
import { instantFromMs } from "../../src/time/instant.js";
import { Capture } from "../log/capture.js";
import { waitDead, waitFor } from "../helpers/processes.js";

/**
 * Runs the job; with `abortWhen`, aborts it as soon as the command's output satisfies it (the
 * shell has printed its pids, set its trap…), never after a fixed time that assumes it has.
 */
function run(args: string[], opts: { graceMs?: number; abortWhen?: (out: Capture) => boolean; onLine?: (l: string) => void } = {}) {
  const out = new Capture();
  const log = createLog({ out }).forJob("exec");
  const job = execSpec.create(["--", ...args], process.env);
  const ctl = new AbortController();
  const ctx: JobContext = { log, signal: ctl.signal, now: () => instantFromMs(Date.now()), stateDir: "", graceMs: opts.graceMs ?? 5000 };
  const started = Date.now();
  let abortedAt = started;
  const result: Promise<JobResult & { ms: number; msAfterAbort: number }> = job
    .run(ctx)
    .then((r) => ({ ...r, ms: Date.now() - started, msAfterAbort: Date.now() - abortedAt }));
  const abortWhen = opts.abortWhen;
  if (abortWhen !== undefined) {
    void waitFor(() => abortWhen(out), 20_000, 5).then(() => {
      abortedAt = Date.now();
      ctl.abort("timeout after 1s");
    });
  }
  return { result, out, ctl };
}

/** the pids a command printed, one per line, e.g. `echo $$` and `echo $!` */
function pids(out: Capture): number[] {
  return out.lines
    .map((l) => / info exec stdout=(\d+)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => Number(m![1]));
}

describe("exec -- COMMAND ARG…: arguments", () => {
  it("needs a command, refuses options before --", () => {
    expect(() => execSpec.create([], {})).toThrow(JobConfigError);
    expect(() => execSpec.create(["--"], {})).toThrow(/missing COMMAND/);
    expect(() => execSpec.create(["-x", "ls"], {})).toThrow(/^exec: -x: unknown option \(put -- before the command/);
    expect(execSpec.create(["true"], {}).name).toBe("exec");
  });

  it("passes arguments without a shell: metacharacters stay literal", async () => {
    const { result, out } = run(["echo", "$HOME; rm -rf /tmp/x && `id`"]);
    expect((await result).status).toBe("ok");
    expect(out.lines.some((l) => l.endsWith(' info exec stdout="$HOME; rm -rf /tmp/x && `id`"'))).toBe(true);
  });
});

describe("exec: output lines and exit status", () => {
  it("turns each stdout and stderr line into a stamped log line tagged with the job", async () => {
    const { result, out } = run(["sh", "-c", "printf 'one\\ntwo\\n'; echo oops >&2; printf 'no newline'"]);
    const r = await result;
    expect(r.status).toBe("ok");
    const bodies = out.lines.map((l) => l.replace(/^@[0-9a-f]{24} /, ""));
    expect(bodies).toEqual(
      expect.arrayContaining(["info exec stdout=one", "info exec stdout=two", "info exec stderr=oops", 'info exec stdout="no newline"']),
    );
    expect(r.summary).toBe("exit 0: no newline");
  });

  it("maps exit codes the Nagios way: 0 ok, 1 warning, 2 critical, 3 unknown, others critical", async () => {
    const expected: Record<number, string> = { 0: "ok", 1: "warning", 2: "critical", 3: "unknown", 4: "critical", 127: "critical" };
    for (const [code, status] of Object.entries(expected)) {
      const r = await run(["sh", "-c", `exit ${code}`]).result;
      expect([code, r.status]).toEqual([code, status]);
      expect(statusOfExit(Number(code))).toBe(status);
    }
  });

  it("a command killed by a signal it did not get from us is critical", async () => {
    const r = await run(["sh", "-c", "kill -9 $$"]).result;
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/SIGKILL/);
  });

  it("a command that cannot be started is unknown and says why", async () => {
    const r = await run(["/nonexistent/chime-no-such-command"]).result;
    expect(r.status).toBe("unknown");
    expect(r.summary).toMatch(/ENOENT/);
  });

  it("cuts endless lines into bounded pieces", async () => {
    const { result, out } = run(["sh", "-c", "head -c 20000 /dev/zero | tr '\\0' x"]);
    expect((await result).status).toBe("ok");
    const pieces = out.lines.filter((l) => / info exec stdout=x+$/.test(l));
    expect(pieces.length).toBe(3);
    expect(pieces.map((l) => l.split("stdout=")[1]!.length)).toEqual([8192, 8192, 20000 - 2 * 8192]);
  });
});

describe("exec: abort kills the whole process group, no orphans", () => {
  it("TERM reaches the command and its children on abort", async () => {
    const { result, out } = run(["sh", "-c", "sleep 300 & echo $!; echo $$; wait"], { abortWhen: (o) => pids(o).length === 2 });
    const r = await result;
    expect(r.status).toBe("critical");
    expect(r.summary).toMatch(/^stopped \(timeout after 1s\)/);
    const [child, shell] = pids(out);
    expect(child).toBeGreaterThan(1);
    expect(await waitDead(child!)).toBe(true);
    expect(await waitDead(shell!)).toBe(true);
  });

  it("an aborted run is critical even when the command takes TERM and exits 0", async () => {
    const { result, out } = run(["sh", "-c", "trap 'echo bye; exit 0' TERM; echo ready; sleep 300 & wait"], {
      abortWhen: (o) => / info exec ready$/m.test(o.text),
    });
    const r = await result;
    expect(out.text).toMatch(/ info exec stdout=bye/);
    expect(r.metrics?.["exit_code"]).toBe(0);
    expect(r.status).toBe("critical");
    expect(r.summary).toBe("stopped (timeout after 1s) exit 0: bye");
  });

  it("a command ignoring TERM gets KILL after the grace period, children included", async () => {
    const { result, out } = run(["sh", "-c", "trap '' TERM; sleep 300 & echo $!; echo $$; wait; wait"], {
      abortWhen: (o) => pids(o).length === 2,
      graceMs: 600,
    });
    const r = await result;
    // KILL never comes before the grace period is over (a lower bound: no latency assumed)
    expect(r.msAfterAbort).toBeGreaterThanOrEqual(600 - 50);
    expect(r.summary).toMatch(/SIGKILL/);
    expect(out.text).toMatch(/command ignored TERM, sending KILL to its process group/);
    for (const pid of pids(out)) expect(await waitDead(pid)).toBe(true);
  });

  it("processes left behind by a command that exited are terminated", async () => {
    const { result, out } = run(["sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"], { graceMs: 500 });
    const r = await result;
    expect(r.status).toBe("ok");
    expect(out.text).toMatch(/left processes behind/);
    const [child] = pids(out);
    expect(await waitDead(child!)).toBe(true);
  });
});
