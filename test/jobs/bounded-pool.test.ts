import { expect, test } from "vitest";
import { inSlot, slots } from "../../src/jobs/bounded-pool.js";

test("slots: at most `width` holders, the waiting served in the order they asked", async () => {
  const s = slots(2);
  const order: string[] = [];
  const a = await s.take();
  const b = await s.take();
  const c = s.take().then((r) => {
    order.push("c");
    return r;
  });
  const d = s.take().then((r) => {
    order.push("d");
    return r;
  });
  await Promise.resolve();
  expect(order).toEqual([]); // both slots are held
  a();
  a(); // a second release of the same slot frees nothing more
  const releaseC = await c;
  expect(order).toEqual(["c"]);
  b();
  const releaseD = await d;
  expect(order).toEqual(["c", "d"]);
  releaseC();
  releaseD();
  // everything given back: two can be taken again at once, a third waits
  const e = await s.take();
  const f = await s.take();
  let third = false;
  const g = s.take().then((r) => {
    third = true;
    return r;
  });
  await Promise.resolve();
  expect(third).toBe(false);
  e();
  (await g)();
  f();
});

test("inSlot gives the slot back when the work throws", async () => {
  const s = slots(1);
  await expect(inSlot(s, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  expect(await inSlot(s, () => Promise.resolve(7))).toBe(7);
});
