import { build } from "esbuild";
import { join } from "node:path";

/** Bundles fixtures/run-once.ts into one CommonJS file in `outDir` and returns its path. */
export async function bundleRunOnce(outDir: string, projectRoot = join(import.meta.dirname, "..", "..", "..")): Promise<string> {
  const outfile = join(outDir, "run-once.cjs");
  await build({
    entryPoints: [join(projectRoot, "test", "git-backup", "fixtures", "run-once.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
  });
  return outfile;
}
