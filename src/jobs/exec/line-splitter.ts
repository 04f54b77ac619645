import { StringDecoder } from "node:string_decoder";

/**
 * Turns a child's output chunks into lines. A line longer than `maxLine` characters is cut
 * into pieces, so a program printing megabytes without a newline cannot make us buffer it.
 * A trailing "\r" (CRLF output) is dropped.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 8192,
  ) {}

  push(chunk: Buffer): void {
    let text = this.partial + this.decoder.write(chunk);
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n")) {
      this.emit(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > this.maxLine) {
      this.onLine(text.slice(0, this.maxLine));
      text = text.slice(this.maxLine);
    }
    this.partial = text;
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest !== "") this.emit(rest);
  }

  private emit(line: string): void {
    const l = line.endsWith("\r") ? line.slice(0, -1) : line;
    for (let i = 0; i < l.length || i === 0; i += this.maxLine) this.onLine(l.slice(i, i + this.maxLine));
  }
}
