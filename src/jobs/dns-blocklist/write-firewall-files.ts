import { writeFileAtomic } from "../atomic-file.js";
import { nftSetScript, pfTableText } from "./firewall-files.js";
import type { DnsBlocklistSettings } from "./options.js";

/**
 * Writes the --pf-table and --nft-set files of the applied networks. A file that cannot be
 * written does not undo the applied blocklist: it is returned as a problem (a warning).
 */
export async function writeFirewallFiles(s: DnsBlocklistSettings, networks: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const write = async (option: string, path: string | undefined, text: () => string): Promise<void> => {
    if (path === undefined) return;
    try {
      await writeFileAtomic(path, text());
    } catch (e) {
      problems.push(`cannot write --${option} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  await write("pf-table", s.pfTable, () => pfTableText(networks));
  await write("nft-set", s.nftSet, () => nftSetScript(networks, s.nftTable, s.nftSetName));
  return problems;
}
