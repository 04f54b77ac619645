import { existsSync, lstatSync, readdirSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { mirroredUpstream } from "./helpers/mirrored-upstream.js";
import { runJob } from "./helpers/run-job.js";

describe("symlinks planted at the names chime used for its temporary files (issue 8 §9)", () => {
  const fx = mirroredUpstream("gb-symlinks");

  test("nothing is written through them: every file is created exclusively under a random name and renamed", async () => {
    const mirror = join(fx.dir, "repo.git");
    const outside = join(fx.tmp.path, "outside");
    writeFileSync(`${outside}-existing`, "precious\n");
    // the old fixed names, one dangling, one pointing at an existing file outside DIR
    symlinkSync(`${outside}-journal`, join(mirror, "chime-refs-before.tmp"));
    symlinkSync(`${outside}-existing`, join(mirror, "chime-backup.lock.tmp"));
    const c = fx.up.commit("new");
    fx.up.push();
    const run = await runJob([fx.dir], { stateDir: fx.stateDir });
    expect(run.repo("repo.git")?.status).toBe("updated");
    expect(existsSync(`${outside}-journal`)).toBe(false);
    expect(readFileSync(`${outside}-existing`, "utf8")).toBe("precious\n");
    // the planted links are left as they were, and none of our temporary files remains
    expect(lstatSync(join(mirror, "chime-refs-before.tmp")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(mirror, "chime-backup.lock.tmp")).isSymbolicLink()).toBe(true);
    expect(
      readdirSync(mirror)
        .filter((n) => n.startsWith(".chime") || n.startsWith("chime-"))
        .sort(),
    ).toEqual(["chime-backup.lock.tmp", "chime-refs-before.tmp"]);
    expect(readdirSync(fx.stateDir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(fx.up.rev("main")).toBe(c);
  });
});
