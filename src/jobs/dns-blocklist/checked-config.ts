import { readdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { createExclusive, temporaryName, unlinkQuietlyAsync } from "../atomic-file.js";
import { readRegularFile } from "../regular-file.js";

/**
 * unbound-checkconf judges a whole configuration, not one file; to judge the new include
 * before it replaces the old one, it is given a copy of the configuration that names the new
 * file where the real one names the include. The include may be named in the main file or in
 * a file the main file includes (Debian's `include-toplevel: "/etc/unbound/unbound.conf.d/*.conf"`);
 * deeper nesting is not followed. Temporary copies go beside the include (the one directory
 * this job writes in for unbound) and are removed by `dispose`.
 */
const INCLUDE_LINE = /^(\s*include(?:-toplevel)?:\s*)("?)([^"#\s][^"#]*?)\2(\s*(?:#.*)?)$/;

export interface CheckedConfig {
  /** the configuration to hand to unbound-checkconf */
  path: string;
  dispose(): Promise<void>;
}

export class IncludeNotUsedError extends Error {
  override readonly name = "IncludeNotUsedError";
}

interface IncludeLine {
  index: number;
  prefix: string;
  quote: string;
  target: string;
  suffix: string;
}

function includeLines(text: string): { lines: string[]; includes: IncludeLine[] } {
  const lines = text.split("\n");
  const includes: IncludeLine[] = [];
  lines.forEach((line, index) => {
    const m = INCLUDE_LINE.exec(line);
    if (m) includes.push({ index, prefix: m[1]!, quote: m[2]!, target: m[3]!.trim(), suffix: m[4]! });
  });
  return { lines, includes };
}

/** The files a pattern names: globs only in the last component (`*`, `?`), as unbound's configs use them. */
async function expand(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(basename(pattern))) return [pattern];
  const re = new RegExp(
    `^${basename(pattern)
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  try {
    return (await readdir(dirname(pattern)))
      .filter((f) => re.test(f))
      .sort()
      .map((f) => join(dirname(pattern), f));
  } catch {
    return [];
  }
}

export async function configWithInclude(mainConf: string, include: string, replacement: string): Promise<CheckedConfig> {
  const created: string[] = [];
  const dispose = async (): Promise<void> => {
    await Promise.all(created.map(unlinkQuietlyAsync));
  };
  const write = async (text: string, like: string): Promise<string> => {
    const p = temporaryName(join(dirname(include), `check-${basename(like)}`));
    await createExclusive(p, text, 0o600);
    created.push(p);
    return p;
  };
  const same = (a: string) => resolve(a) === resolve(include);
  try {
    const main = includeLines(await readRegularFile(mainConf, { followLinks: true }));
    let found = false;
    for (const inc of main.includes) {
      if (same(inc.target)) {
        main.lines[inc.index] = `${inc.prefix}"${replacement}"${inc.suffix}`;
        found = true;
      }
    }
    if (!found) {
      // one level down: a file the main configuration includes may name it
      for (const inc of main.includes) {
        const files = await expand(inc.target);
        const rewritten: string[] = [];
        let here = false;
        for (const f of files) {
          let inner: ReturnType<typeof includeLines>;
          try {
            inner = includeLines(await readRegularFile(f, { followLinks: true }));
          } catch {
            rewritten.push(f);
            continue;
          }
          const hits = inner.includes.filter((i) => same(i.target));
          if (hits.length === 0) {
            rewritten.push(f);
            continue;
          }
          for (const h of hits) inner.lines[h.index] = `${h.prefix}"${replacement}"${h.suffix}`;
          rewritten.push(await write(inner.lines.join("\n"), f));
          here = true;
        }
        if (here) {
          main.lines[inc.index] = rewritten.map((f) => `${inc.prefix}"${f}"${inc.suffix}`).join("\n");
          found = true;
        }
      }
    }
    if (!found) throw new IncludeNotUsedError(`${mainConf} does not include ${include} (neither directly nor in a file it includes)`);
    return { path: await write(main.lines.join("\n"), mainConf), dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
