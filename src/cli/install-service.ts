import { die, EXIT_USAGE } from "./die.js";

// Placeholder until the service installer lands.
export async function runInstallService(_args: readonly string[]): Promise<number> {
  die(EXIT_USAGE, "install-service: not built yet");
}
