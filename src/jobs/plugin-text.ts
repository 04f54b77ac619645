import { escapeControls } from "../log/line-format.js";

/**
 * Text for a Nagios/Icinga plugin's output, shared by every check chime prints (ntp-check,
 * `chime check`, `chime git-backup verify`).
 *
 * Nagios Core splits plugin output on `|`: on the first line the status text ends at the first
 * `|` and the rest is perfdata; on later lines (long output) a line's first `|` starts perfdata
 * that runs to the end. So no text we print — ours, a tool's error, anything a server sent —
 * may carry a `|` or a line break: `pluginText` escapes them (and every other control).
 */
export function pluginText(text: string): string {
  return escapeControls(text.replace(/\s*[\r\n]+\s*/g, " ").trim()).replace(/\|/g, "\\x7c");
}
