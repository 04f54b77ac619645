import type { OptionSpec } from "../../options/option-spec.js";

export const ASN_DB_OPTIONS: readonly OptionSpec[] = [
  { name: "url", kind: "text", env: "CHIME_ASN_DB_URL", value: "URL", help: "where the iptoasn table is published (.tsv or .tsv.gz)" },
  {
    name: "out",
    kind: "text",
    env: "CHIME_ASN_DB_OUT",
    value: "FILE",
    help: "the table to keep fresh (written uncompressed, replaced atomically)",
  },
  {
    name: "timeout",
    kind: "duration",
    env: "CHIME_ASN_DB_TIMEOUT",
    default: "5m",
    min: 1000,
    max: 3_600_000,
    help: "deadline of the whole download",
  },
  {
    name: "max-size",
    kind: "size",
    env: "CHIME_ASN_DB_MAX_SIZE",
    default: "256M",
    min: 1024,
    max: 4 * 1024 ** 3,
    help: "refuse a larger download (and a larger table once decompressed)",
  },
  {
    name: "max-shrink",
    kind: "percent",
    env: "CHIME_ASN_DB_MAX_SHRINK",
    default: "50%",
    help: "refuse a table with this much fewer ranges than the one in place",
  },
  {
    name: "min-ranges",
    kind: "count",
    env: "CHIME_ASN_DB_MIN_RANGES",
    default: "100000",
    min: 1,
    help: "refuse a table with fewer ranges (a truncated file)",
  },
];
