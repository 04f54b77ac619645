import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { writeFileAtomic } from "../../src/jobs/atomic-file.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "chime-atomic-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Chunks of `count` × `size` bytes, chunk k filled with its own byte, from two buffers in turn:
 * as the contract allows, a buffer is scribbled over as soon as the chunk after the next is
 * asked for. A write that went out late, or to the wrong place, would show as a wrong byte.
 */
function* alternating(count: number, size: number, failAt = -1): Generator<Uint8Array> {
  const buffers = [new Uint8Array(size), new Uint8Array(size)];
  for (let k = 0; k < count; k++) {
    if (k === failAt) throw new Error(`producer failed at chunk ${k}`);
    const b = buffers[k % 2]!;
    b.fill(0xff);
    b.fill(k % 251);
    // the last chunk is short: positions after it must not be assumed whole
    yield k === count - 1 ? b.subarray(0, size >> 1) : b;
  }
}

describe("writeFileAtomic with chunks made as the write goes", () => {
  test("every chunk lands at its place: 200 chunks from two buffers in turn", async () => {
    const path = join(dir, "out");
    const size = 64 * 1024 + 3;
    await writeFileAtomic(path, alternating(200, size), { fsync: false });
    const got = readFileSync(path);
    expect(got.length).toBe(199 * size + (size >> 1));
    for (let k = 0; k < 200; k++) {
      const part = got.subarray(k * size, Math.min(got.length, (k + 1) * size));
      expect(
        part.every((x) => x === k % 251),
        `chunk ${k}`,
      ).toBe(true);
    }
  });

  test("a producer that fails: the error reaches the caller, the old file stays, no temporary file is left", async () => {
    const path = join(dir, "out");
    writeFileSync(path, "the old content\n");
    await expect(writeFileAtomic(path, alternating(50, 32 * 1024, 17))).rejects.toThrow("producer failed at chunk 17");
    expect(readFileSync(path, "utf8")).toBe("the old content\n");
    expect(readdirSync(dir)).toEqual(["out"]);
  });
});
