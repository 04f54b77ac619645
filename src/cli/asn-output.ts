import type { AddressResult, AsResult } from "../jobs/asn/asn-answer.js";
import { escapeControls } from "../log/line-format.js";

/** One line of `chime asn` output: what the user asked, and the answer for one address or AS. */
export interface Row {
  readonly query: string;
  readonly result: AddressResult | AsResult;
}

/** One JSON object per line: `{"query": …, "kind": "answer", …}`, easy to feed to jq. */
export function asnJsonLine(r: Row): string {
  return JSON.stringify({ query: r.query, ...r.result });
}

const dash = (s: string | null | undefined): string => (s === null || s === undefined || s === "" ? "-" : s);

function cells(r: Row): string[] {
  const x = r.result;
  switch (x.kind) {
    case "answer":
      return [
        r.query,
        x.address,
        x.origins.map((n) => `AS${n}`).join(" "),
        dash(x.prefix),
        dash(x.country),
        dash(x.registry),
        dash(x.allocated),
        dash(x.asName),
        x.source,
      ];
    case "not-found":
      return [r.query, x.address, "-", "-", "-", "-", "-", "not announced", x.source];
    case "special":
      return [r.query, x.address, "-", x.prefix, "-", "-", "-", `${x.purpose} (${x.rfc})`, "none"];
    case "failed":
      return [r.query, dash(x.address), "?", "-", "-", "-", "-", `failed: ${x.errors.join("; ")}`, "-"];
    case "as": {
      const prefixes = x.prefixes === null ? "prefixes unknown" : `${x.prefixes.length} prefixes: ${x.prefixes.join(" ")}`;
      return [
        r.query,
        "-",
        `AS${x.asn}`,
        prefixes,
        dash(x.country),
        dash(x.registry),
        dash(x.allocated),
        dash(x.name),
        x.sources.join(",") || "-",
      ];
    }
    case "as-failed":
      return [r.query, "-", `AS${x.asn}`, "-", "-", "-", "-", `failed: ${x.errors.join("; ")}`, "-"];
  }
}

/**
 * Aligned columns, header first. Names and errors come from remote servers: controls are
 * escaped so nothing they send can move the cursor or fake another row.
 */
export function asnTable(rows: readonly Row[]): string[] {
  const table = [
    ["query", "address", "as", "prefix", "cc", "registry", "allocated", "name", "source"],
    ...rows.map((r) => cells(r).map((c) => escapeControls(c))),
  ];
  // the prefix list of an AS can be long: it does not widen the column for everyone
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => (c === 3 && row[c]!.length > 43 ? 0 : row[c]!.length))));
  return table.map((row) =>
    row
      .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
}
