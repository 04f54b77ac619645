import pino, { type Logger } from "pino";
import { logLabelFromMs } from "../time/log-label.js";
import { escapeControls, formatFields, formatMessage } from "./line-format.js";
import type { LineSink } from "./line-sink.js";
import { redactJsonLine, redactText } from "./redact.js";

export type LogFormat = "text" | "json";
export type LogStamp = "tai64n" | "none";

/** The job tag of lines that are not about one job (start-up, signals, status). */
export const DAEMON_TAG = "chime";

const { needsMetadataGsym } = pino.symbols;
const levelLabels: Readonly<Record<number, string>> = pino.levels.labels;
const JOB_KEY = new Set(["job"]);

/** Child-logger bindings, formatted once per child (pino would re-parse them per call). */
const bindingsCache = new WeakMap<Logger, { job: string; fields: string }>();

function bindingsOf(logger: Logger | undefined): { job: string; fields: string } {
  if (!logger) return { job: DAEMON_TAG, fields: "" };
  let b = bindingsCache.get(logger);
  if (!b) {
    const raw = logger.bindings() as Record<string, unknown>;
    const job = typeof raw["job"] === "string" && raw["job"] !== "" ? raw["job"] : DAEMON_TAG;
    // the tag is one word: nothing in a job's name may look like a message or a field
    b = { job: escapeControls(job).replace(/[\s="]/g, "_"), fields: formatFields(raw, JOB_KEY) };
    bindingsCache.set(logger, b);
  }
  return b;
}

/** A stamp strategy: the text before the first space of every line. */
export type Stamp = () => string;
export const stamps: Readonly<Record<LogStamp, (clockMs: () => number) => Stamp>> = {
  tai64n: (clockMs) => () => logLabelFromMs(clockMs()) + " ",
  none: () => () => "",
};

/**
 * A pino destination in pino's documented "metadata" protocol: pino sets lastLevel, lastObj,
 * lastMsg and lastLogger right before write(), so the text line is built from those fields
 * without parsing pino's JSON back. Each record becomes exactly one line, stamped when it is
 * written (the daemontools label of the wall clock), redacted, and handed to the sink.
 */
export class LineDestination {
  readonly [needsMetadataGsym] = true as const;
  lastLevel = 30;
  lastObj: object = {};
  lastMsg: unknown = "";
  lastTime = "";
  lastLogger: Logger | undefined;

  constructor(
    private readonly sink: LineSink,
    private readonly format: LogFormat,
    private readonly stamp: Stamp,
  ) {}

  write(json: string): void {
    let body: string;
    if (this.format === "json") {
      // pino's JSON already ends in "\n" and escapes newlines inside strings.
      // JSON.stringify leaves C1 controls, U+2028/9 and bidi controls raw; outside strings a
      // JSON line is ASCII, so escaping them everywhere keeps it valid JSON.
      body = escapeControls(redactJsonLine(json.endsWith("\n") ? json : json + "\n").slice(0, -1)) + "\n";
    } else {
      const level = levelLabels[this.lastLevel] ?? String(this.lastLevel);
      const { job, fields } = bindingsOf(this.lastLogger);
      const msg =
        this.lastMsg === undefined || this.lastMsg === null || this.lastMsg === "" ? "" : " " + formatMessage(String(this.lastMsg));
      body = redactText(`${level} ${job}${msg}${fields}${formatFields(this.lastObj)}\n`);
    }
    this.sink.write(this.stamp() + body);
  }

  /** A line outside pino (the sink's dropped-lines notice), in the same format. */
  noticeLine(level: "warn" | "info", msg: string, fields: Record<string, number | string>): string {
    const body =
      this.format === "json"
        ? JSON.stringify({ level: pino.levels.values[level], time: Date.now(), job: DAEMON_TAG, ...fields, msg }) + "\n"
        : `${level} ${DAEMON_TAG} ${formatMessage(msg)}${formatFields(fields)}\n`;
    return this.stamp() + body;
  }
}
