/**
 * How a chime program or job declares its options: as data, once. The reader
 * (read-options.ts), --help (options-help.ts) and the docs tables all come from this
 * declaration, so a default or a variable name is written in one place only.
 */

/**
 * switch: the one yes/no vocabulary (--verbose, --verbose=no; env yes/no);
 * count: a whole number (min/max); duration: milliseconds from the one duration parser
 * (min/max in ms); size: bytes (1048576, 512K, 1M, 2G; min/max in bytes); percent: 0–100
 * ("50" or "50%"); text: a string (choices: the words allowed); list: a repeatable flag whose
 * variable holds several values (separated by commas or white space).
 */
export type OptionKind = "switch" | "count" | "duration" | "size" | "percent" | "text" | "list";

export interface OptionSpec {
  /** the long flag without "--": "max-shrink" */
  readonly name: string;
  readonly kind: OptionKind;
  /** the environment variable (envdir file) that sets it; absent: a flag only, on purpose */
  readonly env?: string;
  /** in the words a user would type ("50%", "30s", "1M", "./state"); shown in --help and docs */
  readonly default?: string;
  /** count, duration (ms), size (bytes), percent: inclusive bounds */
  readonly min?: number;
  readonly max?: number;
  /** one line for --help and the docs table */
  readonly help: string;
  /** a one-letter alias: "v" for -v */
  readonly short?: string;
  /** the value's name in --help ("PATH", "CMD"); absent: from the kind (N, DURATION, SIZE…) */
  readonly value?: string;
  /** text and list: the only words allowed */
  readonly choices?: readonly string[];
  /**
   * duration: a bare number is refused, a unit is required — where "5" could mean seconds to
   * one reader and milliseconds to another (ntp-check's thresholds).
   */
  readonly unitRequired?: boolean;
}

const PLACEHOLDER: Readonly<Record<OptionKind, string>> = {
  switch: "",
  count: "N",
  duration: "DURATION",
  size: "SIZE",
  percent: "PERCENT",
  text: "TEXT",
  list: "VALUE",
};

/** "--timeout DURATION", "-v, --verbose", "--log-format text|json" */
export function flagWithValue(spec: OptionSpec): string {
  const value = spec.value ?? (spec.choices ? spec.choices.join("|") : PLACEHOLDER[spec.kind]);
  const flag = `${spec.short ? `-${spec.short}, ` : ""}--${spec.name}`;
  return value === "" ? flag : `${flag} ${value}`;
}

export { optionsHelp, optionsMarkdown } from "./options-help.js";
