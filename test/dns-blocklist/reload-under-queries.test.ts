import { afterAll, beforeAll, expect } from "vitest";
import { withUnbound } from "../helpers/unbound-server.js";
import { startQueryLoop } from "../helpers/dns-query-loop.js";
import { listWithEtag, startBlocklistRig, type BlocklistRig } from "./helpers/blocklist-rig.js";

// Issue 13: "a reload kept the service answering throughout (query in a loop during the reload;
// no failed query)". The loop asks a served name, a blocked one and one about to be blocked,
// one query at a time, each allowed 5 s — a stub resolver's default timeout (glibc <resolv.h>
// RES_TIMEOUT 5; resolv.conf(5) "timeout:n") — so a query counts as failed only when a client would
// have given up on it. (While unbound reloads it holds a query it has read, sometimes for
// longer than a second; it answers it afterwards.) A lost UDP answer on loopback is the server's.
withUnbound.describe("dns-blocklist: unbound keeps answering while a new list is applied", () => {
  let rig: BlocklistRig;
  let names: string[] = [];
  beforeAll(async () => {
    // every asked name has local-data, so each answers NOERROR or (blocked) NXDOMAIN, never a
    // SERVFAIL from the missing upstream
    rig = await startBlocklistRig([
      'local-data: "plain.example. 300 IN A 192.0.2.5"',
      'local-data: "n7.first.example. 300 IN A 192.0.2.6"',
      'local-data: "n7.second.example. 300 IN A 192.0.2.7"',
    ]);
    rig.routes.set(
      "/big.txt",
      listWithEtag(() => names.join("\n")),
    );
  });
  afterAll(async () => rig?.stop());

  withUnbound.it("20 000 names replaced by another 20 000 while queries run: no query fails", async () => {
    names = Array.from({ length: 20_000 }, (_, i) => `n${i}.first.example`);
    expect((await rig.run([rig.url("/big.txt")])).result.status).toBe("ok");
    const loop = startQueryLoop(rig.unbound.host, rig.unbound.port, ["plain.example", "n7.first.example", "n7.second.example"], 5000);
    names = Array.from({ length: 20_000 }, (_, i) => `n${i}.second.example`);
    const { result } = await rig.run(["--max-shrink", "100", "--max-growth", "100", rig.url("/big.txt")]);
    const counts = await loop.stop();
    expect(result.status).toBe("ok");
    expect(counts.failed).toBe(0);
    expect(counts.otherRcodes).toBe(0);
    expect(counts.answered).toBeGreaterThan(0);
    expect((await rig.ask("n7.second.example")).rcode).toBe(3);
    expect(await rig.ask("n7.first.example")).toMatchObject({ rcode: 0, address: "192.0.2.6" });
  });
});
