import { describe, expect, it } from "vitest";
import { escapeControls, formatFields, formatMessage, formatValue } from "../../src/log/line-format.js";
import { redactText } from "../../src/log/redact.js";

describe("text line body (DESIGN.md §3 Logging: one line per event, key=value)", () => {
  it("escapes newlines and control characters so one record stays one line", () => {
    expect(escapeControls("a\nb\r\nc\td\u0000")).toBe("a\\nb\\r\\nc\\td\\u0000");
    expect(escapeControls("plain text")).toBe("plain text");
    expect(escapeControls("x\u2028y")).toBe("x\\u2028y");
    expect(escapeControls("\u0085\u009b\u202e\u2067")).toBe("\\u0085\\u009b\\u202e\\u2067");
  });

  it("a message that could hold a field (=, a control, a leading quote) is one JSON string", () => {
    expect(formatMessage("run ok: exit 0: hi")).toBe("run ok: exit 0: hi");
    expect(formatMessage("run critical: exit 1: status=ok")).toBe('"run critical: exit 1: status=ok"');
    expect(formatMessage('say "hi"')).toBe('say "hi"');
    expect(formatMessage('"quoted" start')).toBe('"\\"quoted\\" start"');
    expect(formatMessage("a\nb")).toBe('"a\\nb"');
  });

  it("leaves plain values bare and quotes anything with spaces, quotes or newlines", () => {
    expect(formatValue("mirror/foo.git")).toBe("mirror/foo.git");
    expect(formatValue("a b")).toBe('"a b"');
    expect(formatValue("status=ok")).toBe('"status=ok"');
    expect(formatValue("")).toBe('""');
    expect(formatValue("x\ny")).toBe('"x\\ny"');
    expect(formatValue(3.5)).toBe("3.5");
    expect(formatValue(null)).toBe("null");
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue(new Error("remote hung up"))).toBe('"remote hung up"');
  });

  it("formats fields in order, skips undefined, hides secret keys", () => {
    expect(formatFields({ repo: "a/b", n: 2, skip: undefined, token: "abc", github_token: "x", apiKey: "k" })).toBe(
      " repo=a/b n=2 token=[redacted] github_token=[redacted] apiKey=[redacted]",
    );
  });
});

describe("redaction: secrets never reach a log line (DESIGN.md §3)", () => {
  const cases: Array<[string, string, string]> = [
    ["password in a URL", "fetch https://alice:s3cr3t@example.com/r.git failed", "s3cr3t"],
    ["token as URL user", "clone https://ghp_0123456789abcdefghijABCDEFGHIJ@github.com/o/r", "ghp_0123456789abcdefghijABCDEFGHIJ"],
    ["x-access-token user info", "https://x-access-token:v1.abcdef0123456789@github.com/o/r.git", "v1.abcdef0123456789"],
    ["bare classic token", "using ghp_0123456789abcdefghijABCDEFGHIJ now", "ghp_0123456789abcdefghijABCDEFGHIJ"],
    ["fine-grained token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "11ABCDEFG0123456789_abcdefghijklmnop"],
    ["bearer header", "Authorization: Bearer abcdef0123456789xyz", "abcdef0123456789xyz"],
    ["query parameter", "GET /api?access_token=deadbeefcafe&x=1", "deadbeefcafe"],
    ["json field", '{"password":"hunter22","user":"a"}', "hunter22"],
    ["environment variable ending in PASSWORD", "PGPASSWORD=hunter22 psql -h db", "hunter22"],
    ["environment variable ending in _TOKEN, not GitHub-shaped", "GITHUB_TOKEN=abc123def456 git push", "abc123def456"],
    ["option and its value on a command line", "exec -- mysqldump --password hunter22 db", "hunter22"],
    ["quoted option value with a space", 'curl --password "hunter 22" https://x/', "hunter 22"],
    ["basic authorization header", "Authorization: Basic YWxpY2U6czNjcjN0", "YWxpY2U6czNjcjN0"],
  ];
  for (const [name, text, secret] of cases) {
    it(name, () => {
      const out = redactText(text);
      expect(out).not.toContain(secret);
      expect(out).toContain("[redacted]");
    });
  }

  it("leaves options that merely mention a secret alone", () => {
    for (const text of ["--token-file /etc/chime/token --no-password-prompt", "tokens=5 secret_count=3"])
      expect(redactText(text)).toBe(text);
  });

  it("keeps text without secrets unchanged, user names included", () => {
    const text = "fetched https://github.com/acme/tools.git in 1.2 s; ssh://git@example.com/x user=alice";
    expect(redactText(text)).toBe(text);
  });
});
