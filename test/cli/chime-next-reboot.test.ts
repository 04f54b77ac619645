// Issue 12 §1: `chime next @reboot` — a schedule with no wake times, valid: nothing on stdout
// (a script reading times gets none), the reason on stderr, exit 0; it was exit 100 "not supported yet".
import { expect, it } from "vitest";
import { runBin } from "./run-bin.js";

it("chime next @reboot: no wake times on stdout, why on stderr, exit 0", () => {
  const r = runBin("chime", ["next", "@reboot", "--count", "3"], { TZ: "UTC" });
  expect(r.status).toBe(0);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe("next: @reboot has no wake times: it runs once when the service starts (as --at-start)\n");
});

it("an unknown alias is still a usage error naming @reboot among the known ones", () => {
  const r = runBin("chime", ["next", "@boot"], { TZ: "UTC" });
  expect(r.status).toBe(100);
  expect(r.stderr).toMatch(/unknown cron alias "@boot" .*@reboot/);
});
