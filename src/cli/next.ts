import { die, EXIT_USAGE } from "./die.js";

// Placeholder until the scheduler core lands.
export async function runNext(_args: readonly string[], _env: Readonly<Record<string, string | undefined>>, _out: (line: string) => void): Promise<number> {
  die(EXIT_USAGE, "next: not built yet");
}
