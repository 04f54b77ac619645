import { describe, expect, test } from "vitest";
import { parseServer, resolveServers, type Resolver, type ServerSpec } from "../../src/jobs/ntp-check/server-address.js";

const spec = (text: string): ServerSpec => parseServer(text) as ServerSpec;

// A name server that never answers, next to one that does: the hang must cost only its own name.
const hangingFor =
  (stuck: string): Resolver =>
  (host) =>
    host === stuck ? new Promise<string[]>(() => {}) : Promise.resolve(["127.0.0.1"]);

describe("name resolution for ntp-check has a deadline of its own", () => {
  test("a resolver that never answers fails that server at the deadline; the others resolve", async () => {
    const r = await resolveServers([spec("stuck.test"), spec("fine.test:1234")], hangingFor("stuck.test"), { timeoutMs: 300 });
    expect(r.peers).toEqual([{ server: "fine.test:1234", address: "127.0.0.1", port: 1234 }]);
    expect(r.failures.map((f) => f.detail)).toEqual(["cannot resolve stuck.test: no complete answer within 0.3 s"]);
  });

  test("shutdown ends the wait for a resolver that never answers", async () => {
    const stop = new AbortController();
    const pending = resolveServers([spec("stuck.test")], hangingFor("stuck.test"), { timeoutMs: 600_000, signal: stop.signal });
    stop.abort("shutdown");
    const r = await pending;
    expect(r.failures.map((f) => f.detail)).toEqual(["cannot resolve stuck.test: stopped (shutdown)"]);
  });
});
