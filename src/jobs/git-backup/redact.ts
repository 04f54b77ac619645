/**
 * Removes credentials from a line before it reaches a log or an error message: the userinfo
 * part of any URL, Authorization header values, and the literal secrets we know about.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, "$1***@")
    .replace(/(authorization:\s*)(basic|bearer|token)\s+\S+/gi, "$1$2 ***");
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join("***");
    if (s.length >= 4) {
      const b64 = Buffer.from(`x-access-token:${s}`).toString("base64");
      out = out.split(b64).join("***");
    }
  }
  return out;
}

/** The first meaningful line of git's stderr, redacted and bounded, for a one-line log record. */
export function firstErrorLine(stderr: string, secrets: readonly string[] = []): string {
  const lines = stderr.split(/\r?\n|\r/).map((l) => l.trim());
  const line =
    lines.find((l) => /^(fatal|error):/i.test(l)) ?? lines.find((l) => l.length > 0) ?? "(no message)";
  const clean = redact(line, secrets).replace(/[\u0000-\u001f\u007f]/g, "?");
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}
