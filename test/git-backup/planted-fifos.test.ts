import { execFileSync } from "node:child_process";
import { lstatSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { NotRegularFileError, readRegularFileSync } from "../../src/jobs/regular-file.js";
import { git } from "./helpers/git-fixtures.js";
import { mirroredUpstream } from "./helpers/mirrored-upstream.js";
import { runJob } from "./helpers/run-job.js";

describe("FIFOs planted at the names of the files chime reads in a mirror", () => {
  const fx = mirroredUpstream("gb-fifos");

  test("a synchronous read of a FIFO fails at once instead of waiting for a writer", () => {
    const fifo = join(fx.tmp.path, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(() => readRegularFileSync(fifo)).toThrow(NotRegularFileError);
  });

  test("the run neither blocks on them nor loses the tip a force-push replaced", async () => {
    const mirror = join(fx.dir, "repo.git");
    const old = fx.up.commit("to be replaced");
    fx.up.push();
    expect((await runJob([fx.dir], { stateDir: fx.stateDir })).repo("repo.git")?.status).toBe("updated");
    // the journal and the lock: read at every run, and nobody would ever write to these
    execFileSync("mkfifo", [join(mirror, "chime-refs-before"), join(mirror, "chime-backup.lock")]);
    git(fx.up.work, "reset", "--quiet", "--hard", "HEAD~1");
    const replacement = fx.up.commit("replacement");
    fx.up.push();
    const run = await runJob([fx.dir], { stateDir: fx.stateDir });
    expect(run.repo("repo.git")?.status).toBe("updated");
    expect(git(mirror, "rev-parse", "refs/heads/main")).toBe(replacement);
    const saved = git(mirror, "for-each-ref", "--format=%(objectname)", "refs/backup/");
    expect(saved.split("\n")).toContain(old);
    // the lock was taken over (an unreadable record is a dead holder's) and released; the
    // journal written over the FIFO and cleared
    for (const name of ["chime-backup.lock", "chime-refs-before"]) expect(() => lstatSync(join(mirror, name))).toThrow(/ENOENT/);
  });
});
