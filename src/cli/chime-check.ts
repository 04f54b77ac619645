import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { FileStateStore } from "../daemon/run-state.js";
import { readSuperviseStatus, type SuperviseStatus } from "../daemon/supervise-status.js";
import { JobConfigError } from "../jobs/job.js";
import { pluginText } from "../jobs/plugin-text.js";
import { optionsHelp, type OptionSpec } from "../options/option-spec.js";
import { readOptions, type Options } from "../options/read-options.js";
import { pidAlive } from "../jobs/pid-lock.js";
import { findChimeServices, readChimeService } from "./chime-service-reader.js";
import { die, EXIT_USAGE } from "./die.js";
import { HEALTH_NAME, judgeJob, worse, type Health } from "./job-health.js";

const CHECK_OPTIONS: readonly OptionSpec[] = [
  { name: "tolerance", kind: "duration", default: "5m", help: "a planned run this long past without starting is overdue" },
  { name: "min-uptime", kind: "duration", default: "10s", help: "a service up for less is crash-looping" },
  { name: "json", kind: "switch", help: "one JSON document instead of plugin output" },
  { name: "help", kind: "switch", short: "h", help: "this text" },
];

export const CHECK_USAGE = `usage: chime check [--tolerance DURATION] [--min-uptime DURATION] [--json] SERVICEDIR…
  SERVICEDIR: a service directory that runs chime, or a scan directory (/service) holding some
${optionsHelp(CHECK_OPTIONS.slice(0, 3))}exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios plugin convention)`;

export interface CheckItem {
  service: string;
  /** null: the service itself (its supervisor, its settings) */
  job: string | null;
  health: Health;
  text: string;
  /** seconds since the last run ended, for perfdata */
  lastRunAgeS?: number;
}

export interface CheckReport {
  health: Health;
  items: CheckItem[];
  services: number;
  jobs: number;
}

interface CheckOptions {
  nowMs: number;
  toleranceMs: number;
  minUptimeMs: number;
  alive: (pid: number) => boolean;
}

/** The supervisor's view: down while wanted up, or up so briefly that it keeps restarting. */
export function judgeSupervisor(s: SuperviseStatus, o: CheckOptions): { health: Health; text: string } {
  const forS = Math.max(0, Math.round((o.nowMs - s.changedMs) / 1000));
  if (s.pid === 0) return s.wantUp ? { health: 2, text: `down ${forS} s, wanted up` } : { health: 0, text: `down ${forS} s, by request` };
  if (s.paused) return { health: 1, text: `paused (pid ${s.pid})` };
  if (!s.wantUp) return { health: 1, text: `up ${forS} s, wanted down` };
  if (o.nowMs - s.changedMs < o.minUptimeMs) return { health: 2, text: `up only ${forS} s: restarting (crash loop?)` };
  return { health: 0, text: `up ${forS} s (pid ${s.pid})` };
}

export async function checkServices(dirs: readonly string[], o: CheckOptions): Promise<CheckReport> {
  const items: CheckItem[] = [];
  let services = 0;
  let jobs = 0;
  for (const dir of dirs) {
    let found;
    try {
      found = await findChimeServices([dir]);
    } catch (e) {
      items.push({ service: dir, job: null, health: 3, text: `unable to read ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      continue;
    }
    for (const { dir: sdir, runArgs } of found) {
      services++;
      const name = basename(sdir);
      const sup = await readSuperviseStatus(sdir);
      let checkJobs = true;
      if (!sup.ok) items.push({ service: name, job: null, health: 3, text: sup.problem });
      else {
        const j = judgeSupervisor(sup.status, o);
        items.push({ service: name, job: null, ...j });
        // a service down on purpose plans nothing: its jobs are not overdue
        if (sup.status.pid === 0 && !sup.status.wantUp) checkJobs = false;
      }
      const reading = await readChimeService(sdir, runArgs);
      if (!reading.ok) {
        items.push({ service: name, job: null, health: 3, text: reading.problem });
        continue;
      }
      if (!checkJobs) continue;
      const { stateDir, graceMs } = reading.settings;
      const store = new FileStateStore(stateDir);
      for (const { tag, timeoutMs } of reading.settings.jobs) {
        jobs++;
        const exists = await stat(store.path(tag)).then(
          () => true,
          (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? false : (e.code ?? String(e))),
        );
        if (typeof exists === "string") {
          items.push({ service: name, job: tag, health: 3, text: `state unreadable: ${exists} (${store.path(tag)})` });
          continue;
        }
        let problem: string | undefined;
        const rec = await store.load(
          tag,
          (msg, f) => (problem = `${msg.replace(/, starting with empty state$/, "")}${f["error"] ? `: ${f["error"]}` : ""} (${f["file"]})`),
        );
        if (problem !== undefined) {
          items.push({ service: name, job: tag, health: 3, text: problem });
          continue;
        }
        const j = judgeJob(rec, { nowMs: o.nowMs, toleranceMs: o.toleranceMs, timeoutMs, graceMs, alive: o.alive, exists });
        items.push({
          service: name,
          job: tag,
          ...j,
          ...(rec.lastEndMs !== undefined ? { lastRunAgeS: Math.max(0, Math.round((o.nowMs - rec.lastEndMs) / 1000)) } : {}),
        });
      }
    }
  }
  let health: Health = 0;
  for (const i of items) health = worse(health, i.health);
  if (services === 0) {
    health = 3;
    items.push({ service: dirs.join(" "), job: null, health: 3, text: "no service directory here runs chime" });
  }
  return { health, items, services, jobs };
}

const itemName = (i: CheckItem) => (i.job === null ? i.service : `${i.service}/${i.job}`);

/** A perfdata label: a quote, equals sign, `|` or blank cannot be escaped in one, so they become "_". */
const label = (s: string) => `'${s.replace(/['=|\s]/g, "_")}'`;

/** Nagios plugin output: status line with perfdata, then one long-output line per item. */
export function pluginOutput(r: CheckReport): string {
  const problems = r.items.filter((i) => i.health !== 0).sort((a, b) => (worse(a.health, b.health) === a.health ? -1 : 1));
  const count = (h: Health) => r.items.filter((i) => i.job !== null && i.health === h).length;
  const text =
    problems.length === 0 ? `${r.jobs} jobs in ${r.services} services fine` : problems.map((i) => `${itemName(i)} ${i.text}`).join("; ");
  const perf = [
    `services=${r.services};;;0;`,
    `jobs=${r.jobs};;;0;`,
    `jobs_warning=${count(1)};;;0;${r.jobs}`,
    `jobs_critical=${count(2)};;;0;${r.jobs}`,
    `jobs_unknown=${count(3)};;;0;${r.jobs}`,
    ...r.items.filter((i) => i.lastRunAgeS !== undefined).map((i) => `${label(`${itemName(i)} last run age`)}=${i.lastRunAgeS}s;;;0;`),
  ];
  const lines = [`CHIME ${HEALTH_NAME[r.health]}: ${pluginText(text)}|${perf.join(" ")}`];
  const rows = r.items.map((i) => [HEALTH_NAME[i.health], pluginText(itemName(i)), pluginText(i.text)]);
  const w0 = Math.max(...rows.map((x) => x[0]!.length));
  const w1 = Math.max(...rows.map((x) => x[1]!.length));
  for (const [h, n, t] of rows) lines.push(`${h!.padEnd(w0)}  ${n!.padEnd(w1)}  ${t}`);
  return lines.join("\n");
}

export function jsonOutput(r: CheckReport): string {
  return JSON.stringify({
    status: HEALTH_NAME[r.health],
    exit: r.health,
    services: r.services,
    jobs: r.jobs,
    items: r.items.map((i) => ({ ...i, status: HEALTH_NAME[i.health] })),
  });
}

/** `chime check SERVICEDIR…`: exit code is the Nagios state. */
export async function runCheck(args: readonly string[], out: (line: string) => void, nowMs = Date.now()): Promise<number> {
  let read: Options;
  try {
    read = readOptions("check", CHECK_OPTIONS, { args, usage: "see chime check --help" });
  } catch (e) {
    if (e instanceof JobConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
  if (read.switch("help")) {
    out(CHECK_USAGE);
    return 0;
  }
  const o: CheckOptions = { nowMs, toleranceMs: read.duration("tolerance"), minUptimeMs: read.duration("min-uptime"), alive: pidAlive };
  const json = read.switch("json");
  const dirs = read.positionals;
  if (dirs.length === 0) die(EXIT_USAGE, `check: no SERVICEDIR given; ${CHECK_USAGE}`);
  const report = await checkServices(dirs, o);
  out(json ? jsonOutput(report) : pluginOutput(report));
  return report.health;
}
