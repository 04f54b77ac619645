import { quoted } from "./dns-name.js";
import type { ListCollector } from "./list-collector.js";

// Options that do not narrow a rule below "every request to the domain" as DNS sees it: the
// request type a browser would add (document, popup, third-party) is unknown to a resolver, and
// blocking the name is what these lists ask a DNS blocker to do. Any other option (script, image,
// domain=, denyallow=, dnstype=, client=, …) makes the rule about a subset of requests: not ours.
const WHOLE_DOMAIN_OPTIONS = new Set(["third-party", "3p", "important", "all", "document", "doc", "popup"]);

/**
 * Adblock Plus filter syntax, the one rule form that means a whole domain: `||example.com^`
 * ("||" anchors at the domain and its subdomains, "^" is the separator that ends it), optionally
 * with options from the set above, and the exception form `@@||example.com^`.
 */
export function adblockRule(line: string, c: ListCollector): void {
  const exception = line.startsWith("@@");
  let body = exception ? line.slice(2) : line;
  if (!body.startsWith("||")) {
    c.refuse(`Adblock rule that is not a ||domain^ rule: ${quoted(line)}`);
    return;
  }
  body = body.slice(2);
  const dollar = body.indexOf("$");
  if (dollar >= 0) {
    for (const option of body.slice(dollar + 1).split(",")) {
      if (!WHOLE_DOMAIN_OPTIONS.has(option.trim().toLowerCase())) {
        c.refuse(`Adblock rule with option ${quoted(option)} is about some requests, not the whole domain`);
        return;
      }
    }
    body = body.slice(0, dollar);
  }
  const caret = body.indexOf("^");
  if (caret < 0 || (caret !== body.length - 1 && body.slice(caret) !== "^|")) {
    c.refuse(`Adblock rule that is not a ||domain^ rule: ${quoted(line)}`);
    return;
  }
  const domain = body.slice(0, caret);
  if (domain.includes("*") || domain.includes("/")) {
    c.refuse(`Adblock rule with a wildcard or path: ${quoted(line)}`);
    return;
  }
  if (exception) c.exception(domain);
  else c.name(domain);
}
