/**
 * CHIME_TEST_REQUIRE_ALL=1 (.ci/run sets it) turns every test skipped for a missing program or
 * for not being root into a failure, so CI can never pass by skipping. Kept apart from
 * requires.ts, which imports vitest's test API, so the reporter can read it too.
 */
export const REQUIRE_ALL_VARIABLE = "CHIME_TEST_REQUIRE_ALL";

export function requireAll(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[REQUIRE_ALL_VARIABLE];
  return v !== undefined && v !== "" && v !== "0";
}
