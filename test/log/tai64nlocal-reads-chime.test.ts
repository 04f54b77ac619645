import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { CHIME, cleanEnv } from "../cli/chime-spawn.js";
import { requires } from "../support/requires.js";

/**
 * The oracle is daemontools' own tai64nlocal (Debian package daemontools, installed by .ci/run):
 * it must read every chime line, including output lines that start with "@" or hold newlines —
 * it crashes on a line starting with "@" that is not a label, and loses the rest of the log.
 */
requires("tai64nlocal").describe("chime's log through the real tai64nlocal", () => {
  it("every line converts to the right wall time, hostile output included", () => {
    const before = Date.now();
    const chime = spawnSync(process.execPath, [CHIME, "exec", "--", "printf", "@4000 not a label\\n@ bare\\nmulti\\r\\nend"], {
      env: cleanEnv(),
      encoding: "utf8",
    });
    const after = Date.now();
    expect(chime.status).toBe(0);
    const local = spawnSync("tai64nlocal", [], { input: chime.stdout, env: { ...process.env, TZ: "UTC" }, encoding: "utf8" });
    expect(local.status).toBe(0);
    const lines = local.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBe(chime.stdout.split("\n").filter(Boolean).length);
    for (const l of lines) {
      const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}) (\w+) exec /.exec(l);
      expect(m, l).not.toBeNull();
      const t = Date.parse(m![1]!.replace(" ", "T").slice(0, 23) + "Z");
      expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(t).toBeLessThanOrEqual(after + 1);
    }
    expect(lines.some((l) => l.endsWith(' info exec stdout="@4000 not a label"'))).toBe(true);
    expect(lines.some((l) => l.endsWith(' info exec stdout="@ bare"'))).toBe(true);
  });
});
