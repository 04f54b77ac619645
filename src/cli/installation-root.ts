import { fileURLToPath } from "node:url";

/** The chime installation this code belongs to: src/cli/ and dist/bin/ both sit two levels down. */
export function installationRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}
