// install-service checks a schedule in the zone the service will run in (issue 10 §4): TZ from
// its env/, else what /etc/localtime names — not the installing shell's TZ, and not UTC.
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serviceZone } from "../../src/cli/local-zone.js";
import { requires } from "../support/requires.js";

const dir = mkdtempSync(join(tmpdir(), "chime-service-zone-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tzdata = requires("zoneinfo");

describe("serviceZone", () => {
  tzdata.it("no TZ in env/: the zone the localtime link names, whatever this process's TZ", () => {
    const link = join(dir, "localtime");
    symlinkSync("/usr/share/zoneinfo/Europe/Berlin", link);
    expect(serviceZone({}, link).name).toBe("Europe/Berlin");
  });

  tzdata.it("TZ in env/ wins over the system zone", () => {
    const link = join(dir, "localtime-2");
    symlinkSync("/usr/share/zoneinfo/Europe/Berlin", link);
    expect(serviceZone({ TZ: "Asia/Tokyo" }, link).name).toBe("Asia/Tokyo");
  });

  it("no /etc/localtime at all: UTC, as glibc reads it", () => {
    expect(serviceZone({}, join(dir, "missing")).name).toMatch(/^(UTC|Etc\/UTC)$/);
  });

  it("a TZ in env/ that names no zone is an error, not UTC", () => {
    expect(() => serviceZone({ TZ: "Mars/Olympus" }, join(dir, "missing"))).toThrow(/unknown time zone in TZ: Mars\/Olympus/);
  });
});
