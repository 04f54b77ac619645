import { parseArgs } from "node:util";
import { JobConfigError, type Environment } from "../jobs/job.js";
import { parseSwitch, SWITCH_WORDS } from "../jobs/switch-option.js";
import { durationWords, parseDurationMs } from "../time/duration-option.js";
import { badValue } from "./bad-value.js";
import type { OptionKind, OptionSpec } from "./option-spec.js";
import { parsePercent } from "./percent-option.js";
import { formatSizeBytes, parseSizeBytes } from "./size-option.js";

export { optionsHelp, optionsMarkdown } from "./options-help.js";

/** One value of the third layer, with where it was written: "config file jobs.json line 7". */
export interface ConfigValue {
  /** a list option may be given several values */
  readonly text: string | readonly string[];
  readonly source: string;
}

export interface OptionLayers {
  /** the command-line words after the program or job name */
  readonly args: readonly string[];
  readonly env?: Environment;
  /** the config file's values, by option name */
  readonly config?: Readonly<Record<string, ConfigValue>>;
  /**
   * Options end at the first positional: it and every word after it are positionals, read by
   * someone else (the daemon's JOB ARG…, exec's COMMAND ARG…). Otherwise options and
   * positionals may be mixed (git-backup DIR --timeout 5m); `--` ends the options either way.
   */
  readonly stopAtPositional?: boolean;
  /** added to an unknown option's or a missing value's error: "see chime --help" */
  readonly usage?: string;
}

/** The values a declaration was read into; every value already checked. */
export interface Options {
  readonly positionals: string[];
  /** the words after `--`, also the last of positionals; undefined without `--` */
  readonly afterTerminator: string[] | undefined;
  /** a value from any layer, the default included */
  has(name: string): boolean;
  /** "--timeout", "-v", "CHIME_NTP_TIMEOUT (environment)", "config file F line N", "default" */
  source(name: string): string;
  switch(name: string): boolean;
  count(name: string): number;
  duration(name: string): number;
  size(name: string): number;
  percent(name: string): number;
  text(name: string): string | undefined;
  list(name: string): string[];
}

interface Raw {
  readonly text: string;
  readonly source: string;
}

interface Value {
  readonly value: boolean | number | string | string[];
  readonly source: string;
}

/**
 * Reads `specs` from the command line (node:util parseArgs), then each option not given there
 * from its environment variable (an empty variable is unset, as envdir leaves it), then from
 * the config file, then from its default. Every value is checked here, once: the first bad one
 * throws JobConfigError, one line naming the value and its source —
 * `ntp-check: CHIME_NTP_TIMEOUT (environment): not a duration with a unit, like 250ms, 2s, 1h: "5"`.
 */
export function readOptions(command: string, specs: readonly OptionSpec[], layers: OptionLayers): Options {
  // command "": the caller's own prefix ("chime: ", added by runMain) names the program
  const prefix = command === "" ? "" : `${command}: `;
  const fail = (source: string, why: string, text?: string): never => {
    throw new JobConfigError(prefix + badValue(source, why, text));
  };
  const byName = new Map(specs.map((s) => [s.name, s]));
  const { flags, positionals, afterTerminator } = readFlags(specs, byName, layers, fail);
  const env = layers.env ?? {};

  const values = new Map<string, Value>();
  for (const spec of specs) {
    const raws = layered(spec, flags.get(spec.name), env, layers.config?.[spec.name]);
    if (raws.length === 0) continue;
    const source = raws[0]!.source;
    if (spec.kind === "list") {
      values.set(spec.name, { value: raws.map((r) => checkWord(spec, r, fail)), source });
    } else {
      values.set(spec.name, { value: parseValue(spec, raws[0]!, fail), source });
    }
  }

  const get = (name: string, kind: OptionKind): Value | undefined => {
    const spec = byName.get(name);
    if (!spec) throw new Error(`${command}: no option --${name} is declared`);
    if (spec.kind !== kind) throw new Error(`${command}: --${name} is a ${spec.kind}, not a ${kind}`);
    return values.get(name);
  };
  const number =
    (kind: OptionKind) =>
    (name: string): number => {
      const v = get(name, kind);
      // A programming mistake, not a user's: an option without a default is read with has() first.
      if (v === undefined) throw new Error(`${command}: --${name} has no value and no default`);
      return v.value as number;
    };
  return {
    positionals,
    afterTerminator,
    has: (name) => values.has(name),
    source: (name) => values.get(name)?.source ?? "default",
    switch: (name) => (get(name, "switch")?.value as boolean | undefined) ?? false,
    count: number("count"),
    duration: number("duration"),
    size: number("size"),
    percent: number("percent"),
    text: (name) => get(name, "text")?.value as string | undefined,
    list: (name) => [...((get(name, "list")?.value as string[] | undefined) ?? [])],
  };
}

/**
 * The text the command line gives option `name`, or undefined — never an error: for decisions
 * that must be made before the options are read (whether the error about them is stamped).
 */
export function peekFlag(specs: readonly OptionSpec[], layers: OptionLayers, name: string): string | undefined {
  let found: string | undefined;
  for (const token of tokenise(specs, layers.args)) {
    if (token.kind === "option-terminator" || (token.kind === "positional" && layers.stopAtPositional)) break;
    if (token.kind === "option" && token.name === name && token.value !== undefined) found = token.value;
  }
  return found;
}

function tokenise(specs: readonly OptionSpec[], args: readonly string[]) {
  const options: Record<string, { type: "boolean" | "string"; short?: string }> = {};
  for (const s of specs) options[s.name] = { type: s.kind === "switch" ? "boolean" : "string", ...(s.short ? { short: s.short } : {}) };
  // strict: false so that an unknown option, a switch given a value (--verbose=no) and a
  // missing value reach us as tokens, and are reported in our words with their source.
  return parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

type Fail = (source: string, why: string, text?: string) => never;

/** The command line, tokenised by parseArgs; unknown options, missing values, repeats refused. */
function readFlags(
  specs: readonly OptionSpec[],
  byName: ReadonlyMap<string, OptionSpec>,
  layers: OptionLayers,
  fail: Fail,
): { flags: Map<string, Raw[]>; positionals: string[]; afterTerminator: string[] | undefined } {
  const tokens = tokenise(specs, layers.args);
  const flags = new Map<string, Raw[]>();
  const positionals: string[] = [];
  let afterTerminator: string[] | undefined;
  for (const token of tokens) {
    if (token.kind === "option-terminator") {
      afterTerminator = layers.args.slice(token.index + 1);
      positionals.push(...afterTerminator);
      break;
    }
    if (token.kind === "positional") {
      if (layers.stopAtPositional) {
        positionals.push(...layers.args.slice(token.index));
        break;
      }
      positionals.push(token.value);
      continue;
    }
    const spec = byName.get(token.name);
    const hint = (why: string) => (layers.usage === undefined ? why : `${why} (${layers.usage})`);
    if (!spec) fail(token.rawName, hint("unknown option"));
    const source = token.rawName;
    let text: string;
    if (spec!.kind === "switch") text = token.value ?? "yes";
    else if (token.value === undefined) return fail(source, hint("needs a value"));
    else text = token.value;
    const earlier = flags.get(spec!.name) ?? [];
    if (spec!.kind !== "list" && earlier.length > 0) fail(source, "given twice", text);
    flags.set(spec!.name, [...earlier, { text, source }]);
  }
  return { flags, positionals, afterTerminator };
}

/** The first layer that has the option: flag, environment, config file, default. */
function layered(spec: OptionSpec, flags: readonly Raw[] | undefined, env: Environment, config: ConfigValue | undefined): Raw[] {
  if (flags) return [...flags];
  const e = spec.env === undefined ? undefined : env[spec.env];
  if (e !== undefined && e !== "") return split(spec, e, `${spec.env} (environment)`);
  if (config) {
    const texts = typeof config.text === "string" ? [config.text] : config.text;
    return texts.flatMap((t) => split(spec, t, config.source));
  }
  return spec.default === undefined ? [] : split(spec, spec.default, "default");
}

/** A list's variable holds several values: one a line, or separated by commas or blanks. */
function split(spec: OptionSpec, text: string, source: string): Raw[] {
  if (spec.kind !== "list") return [{ text, source }];
  return text
    .split(/[\s,]+/)
    .filter((w) => w !== "")
    .map((w) => ({ text: w, source }));
}

function checkWord(spec: OptionSpec, raw: Raw, fail: Fail): string {
  if (raw.text.trim() === "") fail(raw.source, "must not be empty", raw.text);
  if (spec.choices && !spec.choices.includes(raw.text)) fail(raw.source, `not one of ${spec.choices.join(", ")}`, raw.text);
  return raw.text;
}

function parseValue(spec: OptionSpec, raw: Raw, fail: Fail): boolean | number | string {
  const { text, source } = raw;
  switch (spec.kind) {
    case "switch": {
      const on = parseSwitch(text);
      return on ?? fail(source, `not a switch (${SWITCH_WORDS})`, text);
    }
    case "text":
      return checkWord(spec, raw, fail);
    case "count": {
      const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
      if (n === null || !Number.isSafeInteger(n)) return fail(source, "not a whole number", text);
      return inRange(spec, n) ? n : fail(source, `must be ${rangeWords(spec, String)}`, text);
    }
    case "duration": {
      // A unit may be required: a bare "5" reads as seconds here but as milliseconds elsewhere.
      const ms = spec.unitRequired && !/[a-z]\s*$/i.test(text) ? null : parseDurationMs(text);
      const like = spec.unitRequired
        ? "a duration with a unit, like 250ms, 2s, 1h"
        : "a duration like 90s, 5m, 1h (a bare number is seconds)";
      if (ms === null) return fail(source, `not ${like}`, text);
      return inRange(spec, ms) ? ms : fail(source, `must be ${rangeWords(spec, durationWords)}`, text);
    }
    case "size": {
      const bytes = parseSizeBytes(text);
      if (bytes === null) return fail(source, "not a size like 65536, 256K, 4M or 1G", text);
      return inRange(spec, bytes) ? bytes : fail(source, `must be ${rangeWords(spec, formatSizeBytes)}`, text);
    }
    case "percent": {
      const p = parsePercent(text);
      const range = { ...spec, min: spec.min ?? 0, max: spec.max ?? 100 };
      if (p === null) return fail(source, `not a percentage from ${range.min} to ${range.max} ("50" or "50%")`, text);
      return inRange(range, p) ? p : fail(source, `must be ${rangeWords(range, (n) => `${n}%`)}`, text);
    }
    case "list":
      throw new Error("a list is read word by word");
  }
}

function inRange(spec: OptionSpec, n: number): boolean {
  return (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
}

/** "from 1s to 10m", "at least 1", "at most 1G" */
function rangeWords(spec: OptionSpec, show: (n: number) => string): string {
  if (spec.min !== undefined && spec.max !== undefined) return `from ${show(spec.min)} to ${show(spec.max)}`;
  if (spec.min !== undefined) return `at least ${show(spec.min)}`;
  if (spec.max !== undefined) return `at most ${show(spec.max)}`;
  return "";
}
