import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { withUnbound } from "../helpers/unbound-server.js";
import { listWithEtag, startBlocklistRig, type BlocklistRig } from "./helpers/blocklist-rig.js";

// What a blocked name answers is unbound's to say (unbound.conf(5), local-zone types):
// always_nxdomain "ignores local data and returns nxdomain"; always_null "returns 0.0.0.0 or
// ::0 for every name in the zone"; refuse "send an error message reply, with rcode REFUSED. If
// there is a match from local data, the query is answered"; redirect "serves the zone data for
// any subdomain in the zone". ads.example and www.ads.example have local-data, so only the
// blocklist can make them fail. (unbound 1.17.1's always_null answers a name's local-data
// where it has some, though its manual says it ignores it: those names are not asked here.)
const NXDOMAIN = 3;
const REFUSED = 5;

withUnbound.describe("dns-blocklist: blocked names answer as configured, the rest resolve", () => {
  let rig: BlocklistRig;
  let list = "ads.example\ntracker.example\nallowed.example\n";
  beforeAll(async () => {
    rig = await startBlocklistRig([
      'local-data: "ads.example. 300 IN A 192.0.2.1"',
      'local-data: "www.ads.example. 300 IN A 192.0.2.2"',
      'local-data: "allowed.example. 300 IN A 192.0.2.4"',
      'local-data: "plain.example. 300 IN A 192.0.2.5"',
      'local-data: "good.ads.example. 300 IN A 192.0.2.8"',
    ]);
    rig.routes.set(
      "/list.txt",
      listWithEtag(() => list),
    );
    rig.routes.set(
      "/trackers.txt",
      listWithEtag(() => "tracker.example\n"),
    );
    await writeFile(join(rig.dir, "allow.txt"), "allowed.example\n");
  });
  afterAll(async () => rig?.stop());
  // each test starts with no applied version: the size guards never compare with another test's list
  beforeEach(async () => rig.resetState());

  withUnbound.it(
    "always_nxdomain (the default): listed names and their subdomains NXDOMAIN; allowlisted and unlisted names answer their local-data",
    async () => {
      const { result } = await rig.run(["--allow", join(rig.dir, "allow.txt"), rig.url("/list.txt")]);
      expect(result.status).toBe("ok");
      expect((await rig.ask("ads.example")).rcode).toBe(NXDOMAIN);
      expect((await rig.ask("www.ads.example")).rcode).toBe(NXDOMAIN);
      expect((await rig.ask("tracker.example")).rcode).toBe(NXDOMAIN);
      expect(await rig.ask("allowed.example")).toMatchObject({ rcode: 0, address: "192.0.2.4" });
      expect(await rig.ask("plain.example")).toMatchObject({ rcode: 0, address: "192.0.2.5" });
    },
  );

  withUnbound.it("an allowed name under a blocked one still answers its local-data; its siblings stay blocked", async () => {
    await writeFile(join(rig.dir, "allow-below.txt"), "allowed.example\ngood.ads.example\n");
    const { result } = await rig.run(["--allow", join(rig.dir, "allow-below.txt"), rig.url("/list.txt")]);
    expect(result.status).toBe("ok");
    expect(await rig.ask("good.ads.example")).toMatchObject({ rcode: 0, address: "192.0.2.8" });
    expect((await rig.ask("www.ads.example")).rcode).toBe(NXDOMAIN);
    expect((await rig.ask("ads.example")).rcode).toBe(NXDOMAIN);
  });

  withUnbound.it("always_null answers 0.0.0.0", async () => {
    const { result } = await rig.run(["--allow", join(rig.dir, "allow.txt"), "--action", "always_null", rig.url("/list.txt")]);
    expect(result.status).toBe("ok");
    expect(await rig.ask("x.tracker.example")).toMatchObject({ rcode: 0, address: "0.0.0.0" });
    expect(await rig.ask("plain.example")).toMatchObject({ rcode: 0, address: "192.0.2.5" });
  });

  withUnbound.it("refuse answers REFUSED", async () => {
    const { result } = await rig.run(["--allow", join(rig.dir, "allow.txt"), "--action", "refuse", rig.url("/list.txt")]);
    expect(result.status).toBe("ok");
    expect((await rig.ask("x.tracker.example")).rcode).toBe(REFUSED);
    expect(await rig.ask("allowed.example")).toMatchObject({ rcode: 0, address: "192.0.2.4" });
  });

  withUnbound.it("redirect --sink answers the sink address for the name and every subdomain", async () => {
    const { result } = await rig.run(["--action", "redirect", "--sink", "192.0.2.99", rig.url("/trackers.txt")]);
    expect(result.status).toBe("ok");
    expect(await rig.ask("tracker.example")).toMatchObject({ rcode: 0, address: "192.0.2.99" });
    expect(await rig.ask("deep.x.tracker.example")).toMatchObject({ rcode: 0, address: "192.0.2.99" });
    expect(await rig.ask("plain.example")).toMatchObject({ rcode: 0, address: "192.0.2.5" });
  });

  withUnbound.it("lists served in each published format all end up blocked", async () => {
    const formats: Record<string, string> = {
      // hosts(5): address, then names; `::` as the address in IPv6 lists
      "/hosts": "\ufeff# a hosts file\r\n0.0.0.0 hosts-a.example\r\n127.0.0.1 hosts-b.example\r\n:: hosts-c.example\r\n",
      // Adblock domain rules: ||name^
      "/adblock": "[Adblock Plus 2.0]\n! comment\n||adblock-a.example^\n",
      // dnsmasq(8) --address=/domain/address
      "/dnsmasq": "address=/dnsmasq-a.example/0.0.0.0\n",
      // unbound.conf(5) local-zone lines
      "/unbound": 'local-zone: "unbound-a.example." always_nxdomain\n',
      // RPZ (draft-vixie-dnsop-dns-rpz): CNAME . means NXDOMAIN
      "/rpz": "$TTL 300\n@ SOA localhost. root.localhost. 1 3600 600 86400 300\n  NS localhost.\nrpz-a.example CNAME .\n",
      "/plain": "Plain-A.Example.\n",
    };
    for (const [path, text] of Object.entries(formats)) rig.routes.set(path, (_req, res) => res.end(text));
    const { result } = await rig.run(["--allow", join(rig.dir, "allow.txt"), ...Object.keys(formats).map((p) => rig.url(p))]);
    expect(result.status).toBe("ok");
    for (const name of ["hosts-a", "hosts-b", "hosts-c", "adblock-a", "dnsmasq-a", "unbound-a", "rpz-a", "plain-a"]) {
      expect((await rig.ask(`x.${name}.example`)).rcode, name).toBe(NXDOMAIN);
    }
    expect(await rig.ask("plain.example")).toMatchObject({ rcode: 0, address: "192.0.2.5" });
  });

  withUnbound.it(
    "a redirect unbound-checkconf refuses (local-data below the zone's top) is not applied: CRITICAL, the served file stays",
    async () => {
      await rig.run(["--allow", join(rig.dir, "allow.txt"), rig.url("/list.txt")]);
      const before = await readFile(rig.include, "utf8");
      const { result } = await rig.run([
        "--allow",
        join(rig.dir, "allow.txt"),
        "--action",
        "redirect",
        "--sink",
        "192.0.2.99",
        rig.url("/list.txt"),
      ]);
      expect(result.status).toBe("critical");
      expect(result.summary).toMatch(/^DNS-BLOCKLIST CRITICAL: not applied: unbound-checkconf refused it: .*redirect zone/);
      expect(await readFile(rig.include, "utf8")).toBe(before);
      expect((await readdir(rig.dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      expect((await rig.ask("www.ads.example")).rcode).toBe(NXDOMAIN);
    },
  );

  withUnbound.it("a name removed from the list answers its local-data again", async () => {
    await rig.run(["--allow", join(rig.dir, "allow.txt"), rig.url("/list.txt")]);
    expect((await rig.ask("www.ads.example")).rcode).toBe(NXDOMAIN);
    list = "tracker.example\nallowed.example\n";
    const { result, log } = await rig.run(["--allow", join(rig.dir, "allow.txt"), rig.url("/list.txt")]);
    expect(result.status).toBe("ok");
    expect(log.find((l) => l["msg"] === "blocklist applied")).toMatchObject({
      reload: "reload_keep_cache",
      added: 0,
      removed: 1,
      first_removed: "ads.example",
    });
    expect(await rig.ask("www.ads.example")).toMatchObject({ rcode: 0, address: "192.0.2.2" });
    expect((await rig.ask("tracker.example")).rcode).toBe(NXDOMAIN);
  });
});
