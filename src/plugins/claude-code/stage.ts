// Staging the agent's HOME for the Claude Code CLI: .claude.json (onboarding done),
// settings.json (the artifacts hook), and credentials. Secrets travel as environment
// variables or 0600 files, never on argv (the reference copied credentials 0644). A host OAuth login
// is copied without its refresh token and removed again when the agent ends.
import { lstat, mkdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { AgentJob, Core, Json } from "../../core/types.ts";
import { HOOKS } from "./_assets.ts";

/** The artifacts hook is staged into HOME with settings.json, so any image with sh and awk logs
 * tool calls, not only ours (which also carries it in /opt/swarm/hooks). */
export const HOOK_FILE = ".claude/log-artifacts.sh";
/** The agent's MCP servers, as --mcp-config reads them: staged by the mcp-access plugin (0600, in
 * HOME, where spawn mounts the staged dir) and removed with the credentials. */
export const MCP_CONFIG_FILE = ".claude/swarm-mcp.json";
export const MCP_CONFIG_PATH = `/home/agent/${MCP_CONFIG_FILE}`;
export const HOOK_COMMAND = `sh "$HOME/${HOOK_FILE}"`;
/** Tools that change files or reach outside: what the artifacts log is for. */
export const HOOK_MATCHER = "Write|Edit|MultiEdit|Bash|NotebookEdit|mcp__.*";
/** Any one of these is a credential; with none, the host's credentials file is copied instead. */
export const CREDENTIAL_ENV = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "CLAUDE_CODE_OAUTH_TOKEN",
];
const FORWARD_ENV = [...CREDENTIAL_ENV, "ANTHROPIC_BASE_URL"];

type Env = Record<string, string | undefined>;
type Obj = { [key: string]: Json };

/** Where the host's Claude Code keeps its files (CLAUDE_CONFIG_DIR moves both). */
export function hostClaudePaths(env: Env): { claudeJson: string; credentials: string } | null {
  if (env.CLAUDE_CONFIG_DIR) {
    return {
      claudeJson: join(env.CLAUDE_CONFIG_DIR, ".claude.json"),
      credentials: join(env.CLAUDE_CONFIG_DIR, ".credentials.json"),
    };
  }
  if (!env.HOME) return null;
  return {
    claudeJson: join(env.HOME, ".claude.json"),
    credentials: join(env.HOME, ".claude", ".credentials.json"),
  };
}

async function readJsonObject(file: string): Promise<Obj | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as Json;
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** The host's OAuth credentials reduced to what the CLI needs to call the API: the access token and
 * its metadata, never the refresh token (a copy that leaks cannot mint new tokens). Null when the
 * file holds no OAuth access token. */
export function accessOnlyCredentials(host: Obj): string | null {
  const oauth = host.claudeAiOauth;
  if (
    !oauth || typeof oauth !== "object" || Array.isArray(oauth) ||
    typeof oauth.accessToken !== "string"
  ) return null;
  const { refreshToken: _refresh, ...access } = oauth;
  return JSON.stringify({ claudeAiOauth: access });
}

/** Remove the staged credentials and MCP config (its env may hold tokens) once the container is
 * gone. The agent owned its HOME and may have replaced a directory with a link: only real
 * directories are entered, and unlink never follows the last component. */
export async function removeCredentials(home: string): Promise<void> {
  const claudeDir = join(home, ".claude");
  for (const dir of [home, claudeDir]) {
    if (!(await lstat(dir).catch(() => null))?.isDirectory()) return;
  }
  for (const file of [join(claudeDir, ".credentials.json"), join(home, MCP_CONFIG_FILE)]) {
    await unlink(file).catch((e) => {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    });
  }
}

/**
 * Write home/.claude.json, home/.claude/settings.json and, when no credential is in the
 * environment, home/.claude/.credentials.json. Returns the environment the container needs.
 */
export async function stageHome(core: Core, job: AgentJob): Promise<Record<string, string>> {
  const env = core.config.env;
  const claudeDir = join(job.paths.home, ".claude");
  await mkdir(claudeDir, { recursive: true, mode: 0o700 });

  const forwarded: Record<string, string> = {};
  for (const name of FORWARD_ENV) if (env[name]) forwarded[name] = env[name]!;
  const claudeJson: Obj = { hasCompletedOnboarding: true };
  if (!CREDENTIAL_ENV.some((n) => env[n])) {
    const where = hostClaudePaths(env);
    const host = where ? await readJsonObject(where.credentials) : null;
    const credentials = host ? accessOnlyCredentials(host) : null;
    if (credentials !== null) {
      await core.fs.writeNoFollow(join(claudeDir, ".credentials.json"), credentials, 0o600);
      // The account record goes with OAuth credentials, as on the host.
      const account = await readJsonObject(where!.claudeJson);
      if (account?.oauthAccount) claudeJson.oauthAccount = account.oauthAccount;
    } else if (!CREDENTIAL_ENV.some((n) => job.spec.env_vars?.[n])) {
      // A key given through the call's env_vars reaches the CLI too: no warning then.
      core.log.warn(
        `agent ${job.run_id}/${job.agent_id}: no ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or CLAUDE_CODE_OAUTH_TOKEN in the environment and no OAuth access token in ${
          where?.credentials ?? "~/.claude/.credentials.json"
        }; the CLI will report "Not logged in"`,
      );
    }
  }
  await core.fs.writeNoFollow(
    join(job.paths.home, ".claude.json"),
    JSON.stringify(claudeJson, null, 2) + "\n",
    0o600,
  );

  const settings = {
    hooks: {
      PostToolUse: [{
        matcher: HOOK_MATCHER,
        hooks: [{ type: "command", command: HOOK_COMMAND, timeout: 10 }],
      }],
    },
  };
  await core.fs.writeNoFollow(join(job.paths.home, HOOK_FILE), HOOKS["log-artifacts.sh"]!.text);
  await core.fs.writeNoFollow(
    join(claudeDir, "settings.json"),
    JSON.stringify(settings, null, 2) + "\n",
    0o600,
  );
  return forwarded;
}
