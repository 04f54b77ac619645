import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/bench/**", "node_modules/**"],
    // Integration tests start real servers (git daemon, chronyd, svscan); give them room.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: running every file at once starves the timing-sensitive process tests.
    maxWorkers: 2,
  },
});
