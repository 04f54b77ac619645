import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/bench/**", "node_modules/**"],
    // Integration tests start real servers (git daemon, chronyd, svscan) and wait for events with
    // deadlines of their own; these limits are only a backstop, wide enough for a loaded machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores: running every file at once starves the timing-sensitive process tests.
    maxWorkers: 2,
    // The skip summary comes last: one line naming what tests were skipped for and how to
    // install it (test/support/requires.ts). .ci/run names the same reporters on its command line.
    reporters: ["default", "./test/support/skip-summary.ts"],
  },
});
