import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, expect } from "vitest";
import { startUnbound, withUnbound, type UnboundServer } from "../helpers/unbound-server.js";

// The rig other tests build on: a real unbound answering its local data on a loopback port, and
// its control socket working, before any dns-blocklist or asn test trusts it.
withUnbound.describe("the unbound test rig", () => {
  let server: UnboundServer;
  beforeAll(async () => {
    server = await startUnbound({
      serverLines: ['local-data: "served.test. 300 IN A 192.0.2.7"', 'local-zone: "blocked.test." always_nxdomain'],
    });
  });
  afterAll(async () => server?.stop());

  function resolver(): Resolver {
    const r = new Resolver({ timeout: 2000, tries: 2 });
    r.setServers([`${server.host}:${server.port}`]);
    return r;
  }

  withUnbound.it("answers local-data and refuses a local-zone as configured", async () => {
    expect(await resolver().resolve4("served.test")).toEqual(["192.0.2.7"]);
    await expect(resolver().resolve4("x.blocked.test")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  withUnbound.it("takes commands on its own control socket", () => {
    const r = server.control("local_data", "added.test. 300 IN A 192.0.2.8");
    expect(r.status).toBe(0);
    expect(server.control("list_local_data").stdout).toContain("added.test.");
  });
});
