/**
 * The one switch vocabulary of every chime program, for flags given a value and for
 * environment variables (envdir files): `yes`/`no`, `1`/`0`, `true`/`false`, `on`/`off`, in
 * any case, surrounding blanks ignored. Anything else is an error the caller reports with the
 * variable's name — a typo must never silently mean "on" (as `CHIME_NTP_VERBOSE=off` once did)
 * or "off".
 */
const ON = new Set(["yes", "1", "true", "on"]);
const OFF = new Set(["no", "0", "false", "off"]);

/** How --help and error messages state the vocabulary. */
export const SWITCH_WORDS = "yes/no, 1/0, true/false or on/off";

/** true or false, or null when the text is not a switch word. */
export function parseSwitch(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (ON.has(t)) return true;
  if (OFF.has(t)) return false;
  return null;
}
