import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic-file.js";
import { listingCacheFrom, type ListingCache } from "./forge-listing.js";

/** What git-backup remembers between runs, in its state directory (not in DIR). */
export interface BackupState {
  repos: Record<string, { lastSuccess?: number; lastFsck?: number }>;
  /** entries of DIR that are not mirrors, already reported once */
  reportedOthers: string[];
  github: ListingCache;
  /** the other listings (Gitea, GitLab, gists), by forge key prefix */
  listings: Record<string, ListingCache>;
  /** wikis a forge reports that had no page when last asked: key → that time (seconds) */
  wikiProbes: Record<string, number>;
}

const FILE = "git-backup.json";
// Earlier versions kept whole API pages here; such a file can be larger than a small heap can
// parse. What is kept now is far below this, so a larger file is an old one: start afresh.
const MAX_STATE_BYTES = 16 * 1024 * 1024;

export async function loadState(stateDir: string): Promise<BackupState> {
  const empty: BackupState = { repos: {}, reportedOthers: [], github: { pages: {} }, listings: {}, wikiProbes: {} };
  try {
    if ((await stat(join(stateDir, FILE))).size > MAX_STATE_BYTES) return empty;
    const s = JSON.parse(await readFile(join(stateDir, FILE), "utf8")) as Partial<BackupState>;
    return {
      repos: typeof s.repos === "object" && s.repos !== null ? s.repos : {},
      reportedOthers: Array.isArray(s.reportedOthers) ? s.reportedOthers.filter((x) => typeof x === "string") : [],
      github: listingCacheFrom(s.github),
      listings: Object.fromEntries(
        Object.entries(typeof s.listings === "object" && s.listings !== null ? s.listings : {})
          .slice(0, 32)
          .map(([k, v]) => [k, listingCacheFrom(v)]),
      ),
      wikiProbes: Object.fromEntries(
        Object.entries(typeof s.wikiProbes === "object" && s.wikiProbes !== null ? s.wikiProbes : {})
          .filter(([k, v]) => k.length <= 1200 && Number.isSafeInteger(v))
          .slice(0, 100_000),
      ),
    };
  } catch {
    // Missing or torn (it cannot be torn: written atomically; but a hand edit can break it):
    // start afresh. The only cost is one more fsck and one unconditional listing.
    return empty;
  }
}

export async function saveState(stateDir: string, state: BackupState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(join(stateDir, FILE), JSON.stringify(state));
}
