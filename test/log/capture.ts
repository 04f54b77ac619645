import { Writable } from "node:stream";

/** An in-memory stdout for the logger: collects what was written, line by line. */
export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
  get lines(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }
}

/** A reader that has stopped reading: writes pile up until release(). */
export class StalledReader extends Writable {
  text = "";
  private held: Array<() => void> = [];
  stalled = true;
  constructor() {
    super({ highWaterMark: 1024 });
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.text += chunk.toString();
    if (this.stalled) this.held.push(() => cb());
    else cb();
  }
  release(): void {
    this.stalled = false;
    const h = this.held;
    this.held = [];
    for (const cb of h) cb();
  }
}
