/**
 * Filling in the run-script templates of service/ and log/. A template holds `{{FIELD}}`
 * markers; every value put into a script is shell-quoted here, because a run script is
 * read by /bin/sh and a path or a job argument must arrive as exactly one word.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One POSIX sh word that reads back as `word`, whatever it contains. */
export function shellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return "'" + word.replaceAll("'", `'\\''`) + "'";
}

export function shellWords(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

const FIELD = /\{\{([A-Z_]+)\}\}( ?)/g;

/**
 * Replaces each `{{FIELD}}` by fields[FIELD] (already quoted by the caller). An empty value
 * also takes the space after it, so `exec {{SETUIDGID}} multilog` becomes `exec multilog`.
 * A field the caller did not supply is a bug in the installer, not a user error: throw.
 */
export function fillTemplate(template: string, fields: Readonly<Record<string, string>>): string {
  return template.replace(FIELD, (_match, key: string, space: string) => {
    const value = fields[key];
    if (value === undefined) throw new Error(`template field {{${key}}} has no value`);
    return value === "" ? "" : value + space;
  });
}
