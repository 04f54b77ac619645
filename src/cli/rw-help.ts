import { usageLine } from "./rw-chain.js";

/** What each rw-* program does, for `--help` (docs/rw-tools.md has the full text). */
const WHAT: Readonly<Record<string, string>> = {
  "rw-add": "Adds the two stamps (one of them usually a duration like d1S or d10M).",
  "rw-sub": "Subtracts stamp2 from stamp1.",
  "rw-min": "The earlier of the two stamps.",
  "rw-max": "The later of the two stamps.",
  "rw-match": "The earliest instant at or after stamp that matches the runwhen constraints (,M=0 …).",
  "rw-sleep": "Sleeps until stamp (- : until SIGALRM), then runs program with SIGALRM ignored.",
};

const COMMON = `Without VAR, prints the result (24 hex digits); with VAR, sets the environment variable
VAR to it and runs program (another rw-* program is evaluated in the same process).
stamp: @ and 24 hex digits, $VAR, n (now), tN, iYYYY-MM-DDTHH:MM:SS±HHMM, or a duration
dNS dNM dNH dNd dNW. Local time for rw-match is TZ, else the system zone.
exit: the program's status; 100 bad usage or malformed input; 111 system failure.`;

/** `PROG --help`: on stdout, exit 0. */
export function rwHelp(prog: string): string {
  const common = prog === "rw-sleep" ? COMMON.split("\n").slice(2).join("\n") : COMMON;
  return `${usageLine(prog)}\n\n${WHAT[prog] ?? ""}\n${common}\n`;
}
