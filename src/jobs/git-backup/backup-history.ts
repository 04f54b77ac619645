import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Environment } from "../job.js";
import { compareStamps, currentRefs, gitIn, listSavedRefs, mirrorEnv, type SavedRef } from "./saved-refs.js";

/** What a saved old value means now, decided from the refs alone (no log is trusted). */
export type SavedEvent =
  /** the branch now points at a commit that does not contain the saved tip */
  | "force-push"
  /** the branch or tag no longer exists */
  | "deleted"
  /** the tag points elsewhere now */
  | "tag moved"
  /** the ref holds the saved value again, or (a branch) has moved forward from it */
  | "since restored"
  /** the forge listing stopped naming the repository; the mirror is kept as it was (no ref, oid or backupRef) */
  | "gone upstream";

export interface HistoryEntry extends SavedRef {
  repo: string;
  event: SavedEvent;
  /** the ref's value now, when it exists */
  current?: string;
  /** force-push: commits of the saved tip that the current branch does not contain */
  commitsLeft?: number;
}

export class BadInput extends Error {}

/** A mirror's directory name: plain, one component, never "." or ".." (it is joined to DIR). */
export function mirrorName(repo: string): string {
  const name = repo.endsWith(".git") ? repo : `${repo}.git`;
  if (name.includes("/") || name.includes("\0") || name.startsWith("."))
    throw new BadInput(`bad repository name (a mirror in DIR, e.g. proj or proj.git): ${JSON.stringify(repo)}`);
  return name;
}

/** The mirrors of DIR, as run-backup finds them: `*.git`, not hidden, directories. */
export async function mirrorsOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name.endsWith(".git") && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

async function isAncestor(mirror: string, gitEnv: NodeJS.ProcessEnv, older: string, newer: string): Promise<boolean> {
  const r = await gitIn(mirror, ["merge-base", "--is-ancestor", "--end-of-options", older, newer], "merge-base", {
    env: gitEnv,
    ok: (c) => c === 0 || c === 1,
  });
  return r.code === 0;
}

async function commitsNotIn(mirror: string, gitEnv: NodeJS.ProcessEnv, tip: string, current: string): Promise<number> {
  const r = await gitIn(mirror, ["rev-list", "--count", tip, `^${current}`], "rev-list --count", { env: gitEnv });
  return Number(r.stdout.trim());
}

async function judge(
  mirror: string,
  gitEnv: NodeJS.ProcessEnv,
  s: SavedRef,
  refs: Map<string, string>,
): Promise<Pick<HistoryEntry, "event" | "current" | "commitsLeft">> {
  const current = refs.get(s.ref);
  if (current === undefined) return { event: "deleted" };
  if (s.ref.startsWith("refs/tags/")) return { event: current === s.oid ? "since restored" : "tag moved", current };
  if (current === s.oid || (s.commit !== "" && (await isAncestor(mirror, gitEnv, s.commit, current))))
    return { event: "since restored", current };
  // oids come from for-each-ref, never from the user: safe as rev-list arguments
  return {
    event: "force-push",
    current,
    ...(s.commit === "" ? {} : { commitsLeft: await commitsNotIn(mirror, gitEnv, s.commit, current) }),
  };
}

/**
 * "Gone upstream", as the job marked it in the mirror's own config (`chime.goneupstream`, the
 * second it first found the repository unlisted), so DIR alone answers.
 */
async function goneEntry(mirror: string, gitEnv: NodeJS.ProcessEnv, repo: string): Promise<HistoryEntry | undefined> {
  const r = await gitIn(mirror, ["config", "--local", "--get", "chime.goneupstream"], "config", {
    env: gitEnv,
    ok: (c) => c === 0 || c === 1,
  });
  const m = /^(\d{1,15})$/.exec(r.stdout.trim());
  if (!m) return undefined;
  const iso = new Date(Number(m[1]) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const stamp = iso.replace(/[-:]/g, "");
  return { repo, event: "gone upstream", stamp, time: iso, ref: "", oid: "", commit: "", backupRef: "" };
}

/** Every saved event of one mirror, newest first (same stamp: by ref name). */
export async function mirrorHistory(dir: string, name: string, env: Environment): Promise<HistoryEntry[]> {
  const mirror = join(dir, name);
  const gitEnv = mirrorEnv(mirror, env);
  const [saved, refs, gone] = await Promise.all([listSavedRefs(mirror, env), currentRefs(mirror, env), goneEntry(mirror, gitEnv, name)]);
  const entries: HistoryEntry[] = gone ? [gone] : [];
  for (const s of saved) entries.push({ repo: name, ...s, ...(await judge(mirror, gitEnv, s, refs)) });
  return entries.sort((a, b) => compareStamps(b.stamp, a.stamp) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

const short = (oid: string) => oid.slice(0, 12);

/** One line a person reads: when, which ref, what happened. */
export function historyLine(e: HistoryEntry): string {
  if (e.event === "gone upstream") return `${e.time}  gone upstream: no longer listed by the forge; mirror kept, not fetched`;
  const what =
    e.event === "force-push"
      ? `force-push ${short(e.oid)} -> ${short(e.current!)}${e.commitsLeft === undefined ? "" : `, ${e.commitsLeft} commit${e.commitsLeft === 1 ? "" : "s"} left the branch`}`
      : e.event === "tag moved"
        ? `tag moved ${short(e.oid)} -> ${short(e.current!)}`
        : e.event === "deleted"
          ? `deleted at ${short(e.oid)}`
          : `saved ${short(e.oid)}, ref holds it again`;
  return `${e.time}  ${e.ref}  ${what}  (saved as ${e.backupRef})`;
}
