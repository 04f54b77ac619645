import type { Environment } from "../job.js";

/**
 * Inherited variables that would point git at another repository, splice in configuration, or
 * hand it a secret it does not need. Not every GIT_* variable goes: we keep the harmless ones
 * (GIT_SSH_COMMAND, GIT_SSL_CAINFO, proxies) because run scripts set them on purpose.
 */
const DROPPED = new Set([
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_CEILING_DIRECTORIES",
  "GIT_CONFIG",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
  "GIT_TRACE",
  "GIT_TRACE_CURL",
  "GIT_TRACE_PACKET",
  "GIT_ASKPASS",
  "SSH_ASKPASS",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "GITEA_TOKEN",
  "GITLAB_TOKEN",
]);

function inherited(env: Environment): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || DROPPED.has(k) || k.startsWith("CHIME_")) continue;
    if (/^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** A credential scoped to URLs under `urlPrefix` (scheme://host[:port]/). */
export interface HttpCredential {
  urlPrefix: string;
  token: string;
  /** the Basic-auth user name the forge expects with a token (default x-access-token; GitLab: oauth2) */
  user?: string;
}

/**
 * The environment of every git we run in `gitDir`. GIT_DIR pins git to exactly that directory:
 * an empty `x.git` inside a work tree must never make git act on the parent repository.
 * The token travels as GIT_CONFIG_* (not argv, readable by any user in /proc/PID/cmdline; not the
 * remote URL or the config file, which outlive the run), scoped with http.<url>.extraHeader so
 * it is only ever sent to the host that issued it.
 */
export function gitEnvironment(
  base: Environment,
  gitDir: string | undefined,
  credentials: readonly HttpCredential[] = [],
): NodeJS.ProcessEnv {
  const env = inherited(base);
  if (gitDir !== undefined) env.GIT_DIR = gitDir;
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  // git runs in a session of its own (no controlling terminal), so ssh cannot prompt on a tty;
  // this stops it from trying a graphical askpass instead.
  env.SSH_ASKPASS_REQUIRE = "never";
  // Error classification reads git's messages; they must not be translated.
  env.LC_ALL = "C";
  env.LANGUAGE = "C";
  if (credentials.length > 0) {
    env.GIT_CONFIG_COUNT = String(credentials.length);
    credentials.forEach((c, i) => {
      const basic = Buffer.from(`${c.user ?? "x-access-token"}:${c.token}`).toString("base64");
      env[`GIT_CONFIG_KEY_${i}`] = `http.${c.urlPrefix}.extraHeader`;
      env[`GIT_CONFIG_VALUE_${i}`] = `Authorization: Basic ${basic}`;
    });
  }
  return env;
}
