/**
 * Which forge repository a mirror holds, as its config remembers it. GitHub repositories keep
 * `chime.githubid=<id>` (what earlier versions wrote); everything else (Gitea, GitLab, wikis,
 * gists) `chime.forgekey=<key>`, the key naming the forge's API too, so ids of two forges in one
 * DIR never meet.
 */
export const MAX_KEY_LENGTH = 1200;

export function keyConfig(key: string): [string, string] {
  const gh = /^github (\d{1,15})$/.exec(key);
  return gh ? ["chime.githubid", gh[1]!] : ["chime.forgekey", key];
}

/** The key from `config --get-regexp` output; undefined for a mirror made by hand (or a broken value). */
export function keyFromConfig(text: string): string | undefined {
  const id = /^chime\.githubid (\d{1,15})$/m.exec(text)?.[1];
  if (id !== undefined) return `github ${id}`;
  const key = /^chime\.forgekey (.+)$/m.exec(text)?.[1];
  return key !== undefined && key.length <= MAX_KEY_LENGTH ? key : undefined;
}

/** The prefix of every key of one forge: "github", "gitea https://codeberg.org/api/v1". */
export function forgePrefix(kind: "github" | "gitea" | "gitlab", api: string): string {
  return kind === "github" ? "github" : `${kind} ${api.replace(/\/+$/, "")}`;
}

export const WIKI_SUFFIX = " wiki";
