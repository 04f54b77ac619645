import { dropPrivileges, lookupUser, type UserIds } from "../daemon/privileges.js";
import type { Setting } from "./chime-options.js";
import { die, EXIT_SYSTEM } from "./die.js";

/**
 * --user NAME: drop to NAME's uid, gid and groups, or end with 100 (no such user) / 111. Shared
 * by the service and a run once, which otherwise have nothing to do with each other.
 */
export function becomeUser(user: Setting<string>, ids: UserIds = lookupUser(user.value, user.source)): void {
  try {
    dropPrivileges(ids);
  } catch (e) {
    die(
      EXIT_SYSTEM,
      `unable to switch to user ${user.value} (${user.source}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
