import type { Job, JobSpec } from "../job.js";
import { envName, parseOptions } from "./options.js";
import { runBackup } from "./run-backup.js";

const HELP = `usage: chime git-backup DIR [options]

Updates every bare mirror DIR/*.git from its remote, keeping every commit it ever had:
refs a fetch rewrites, moves or deletes are saved under refs/backup/<stamp>/.

  --concurrency N          mirrors updated at once (default 4)
  --timeout DURATION       wall-clock limit per mirror, git killed after it (default 10m)
  --retries N              retries of transient failures, with back-off (default 2)
  --retry-delay DURATION   first back-off (default 2s; then x4)
  --fsck-every DURATION    full git fsck of each mirror this often (default never)
  --prom-file PATH         Prometheus metrics, written atomically
  --github-user NAME       clone missing mirrors of NAME's repositories (repeatable)
  --github-org NAME        clone missing mirrors of organisation NAME's repositories (repeatable)
  --github-self            clone missing mirrors of the token owner's repositories
  --github-token-file FILE token for the API and https fetches (else GITHUB_TOKEN)
  --github-api URL         API base (default https://api.github.com)
  --include-forks          also mirror forks
  --exclude-archived       skip archived repositories
  --exclude PATTERN        skip repositories whose name matches (* and ?; repeatable)
  --rate-limit-wait DURATION  longest wait for an API rate-limit reset (default 60s)
  --gitea-user NAME        clone missing mirrors of a Gitea/Forgejo user's repositories (repeatable)
  --gitea-org NAME         ... of an organisation's (repeatable)
  --gitea-self             ... of the token owner's
  --gitea-api URL          Gitea/Forgejo API base (default https://codeberg.org/api/v1)
  --gitea-token-file FILE  token for it (else GITEA_TOKEN)
  --gitlab-user NAME       clone missing mirrors of a GitLab user's projects (repeatable)
  --gitlab-group PATH      ... of a group's, subgroups included (e.g. grp/sub; repeatable)
  --gitlab-self            ... of the token owner's
  --gitlab-api URL         GitLab API base (default https://gitlab.com/api/v4)
  --gitlab-token-file FILE token for it (else GITLAB_TOKEN)
  --wikis                  also mirror each listed repository's wiki (NAME.wiki.git) once it has a page
  --gists                  also mirror the gists of each --github-user (and --github-self)
  --lfs                    after each fetch, fetch every Git LFS object (needs git-lfs)

Every option can also be set as ${envName("option-name")} (e.g. ${envName("concurrency")}=8,
${envName("exclude")}="a*,b*"); DIR as ${envName("dir")}. Flags win. A flag's variable is a
switch: yes/no, 1/0, true/false or on/off; anything else is an error.
Exit: 0 all ok, 1 some failed, 2 all failed or DIR unusable, 100 bad usage.

What was saved: chime git-backup history DIR [REPO] [--json]; restore DIR REPO REF --to PATH
(or --push URL); verify DIR (a Nagios check). Details: chime git-backup history --help.
`;

export const gitBackupSpec: JobSpec = {
  name: "git-backup",
  usage: "git-backup DIR [options]",
  help: HELP,
  create(args, env): Job {
    const options = parseOptions(args, env);
    return {
      name: "git-backup",
      run: (ctx) => runBackup(options, env, ctx),
    };
  },
};
