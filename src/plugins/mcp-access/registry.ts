// Where MCP servers come from, later sources winning: the host's ~/.claude.json (user scope), the
// project's .mcp.json when the operator enables it (SWARM_MCP_PROJECT=1), and swarm-mcp's own file
// (SWARM_MCP_CONFIG, default ~/.config/swarm-mcp/mcp.json). Each holds {"mcpServers": {name: entry}}.
// Files are read on every call, so an edit is seen without a restart. enable_mcp/disable_mcp
// persist in <data dir>/mcp-access/enabled.json (written to a temp file, then renamed).
import { mkdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Json } from "../../core/types.ts";
import { hostClaudePaths } from "../claude-code/stage.ts";
import { FieldError, interpolate, type McpServer, parseServer, SERVER_NAME } from "./servers.ts";

export type Source = "user" | "project" | "swarm";
export interface Entry {
  name: string;
  source: Source;
  file: string;
  /** The entry as declared (before ${VAR} expansion), when it is valid. */
  server?: McpServer;
  /** Why it cannot be used: a sentence naming the server and the field. */
  error?: string;
}

const MAX_FILE = 64 << 20; // ~/.claude.json also holds the CLI's history: MBs are normal
// An agent's .mcp.json of 64 MiB would be millions of rows in every list_mcps answer.
const MAX_PROJECT_FILE = 1 << 20;

/** The config files in order of precedence (last wins). */
export function sourceFiles(core: Core): { source: Source; file: string }[] {
  const env = core.config.env;
  const out: { source: Source; file: string }[] = [];
  const user = hostClaudePaths(env);
  if (user) out.push({ source: "user", file: user.claudeJson });
  if (env.SWARM_MCP_PROJECT === "1" && core.config.projectDir) {
    out.push({ source: "project", file: join(core.config.projectDir, ".mcp.json") });
  }
  const xdg = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, ".config") : undefined);
  const own = env.SWARM_MCP_CONFIG || (xdg && join(xdg, "swarm-mcp", "mcp.json"));
  if (own) out.push({ source: "swarm", file: own });
  return out;
}

/** One file's servers; a file that is missing adds none, one that is unreadable says so. */
async function readSource(core: Core, source: Source, file: string): Promise<Entry[] | string> {
  let text: string;
  if (source === "project") {
    // A project dir may be mounted into agents read-write: never follow a link planted there.
    const r = await core.fs.readNoFollow(file, MAX_PROJECT_FILE);
    if (r.skipped === "missing") return [];
    if (r.skipped || r.truncated) return `cannot read ${file}: ${r.skipped ?? "over 1 MiB"}`;
    text = r.text;
  } else {
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size < 0) return [];
    if (size > MAX_FILE) return `cannot read ${file}: over ${MAX_FILE >> 20} MiB`;
    text = await readFile(file, "utf8").catch((e) => `\0${(e as Error).message}`);
    if (text.startsWith("\0")) return `cannot read ${file}: ${text.slice(1)}`;
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return `cannot parse ${file}: ${(e as Error).message}`;
  }
  const servers = (parsed as { mcpServers?: Json })?.mcpServers;
  if (servers === undefined) return [];
  if (!servers || typeof servers !== "object" || Array.isArray(servers)) {
    return `"mcpServers" in ${file} is not an object`;
  }
  return Object.entries(servers).map(([name, raw]) => {
    const at = `MCP server "${name}" (${file})`;
    if (!SERVER_NAME.test(name)) {
      return { name, source, file, error: `${at}: the name must match ${SERVER_NAME}` };
    }
    try {
      return { name, source, file, server: parseServer(raw) };
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      return { name, source, file, error: `${at}: ${e.message}` };
    }
  });
}

export function mcpRegistry(core: Core) {
  const dir = join(core.config.dataDir, "mcp-access");
  const togglesFile = join(dir, "enabled.json");
  let writing = Promise.resolve();

  async function toggles(): Promise<Record<string, boolean>> {
    const r = await core.fs.readNoFollow(togglesFile, 1 << 20);
    if (r.skipped) return {};
    try {
      const t = JSON.parse(r.text);
      return t && typeof t === "object" && !Array.isArray(t) ? t : {};
    } catch {
      core.log.warn(`${togglesFile} is not JSON: every server has its declared enabled state`);
      return {};
    }
  }

  /** Every server by name (the last source naming it wins), with the toggles applied; the
   * project's entries that were ignored; and the problems of whole files. The project's file may
   * be an agent's edit: it adds names, never replaces one the user or swarm-mcp's file declares
   * (a caller asking for a trusted "notes" would get the agent's command), nor adds any while
   * one of theirs cannot be read (it may declare that name: a 64 MiB ~/.claude.json, say). */
  async function load() {
    const servers = new Map<string, Entry>();
    const problems: string[] = [];
    const project: Entry[] = [];
    const ignored: Entry[] = [];
    let unread: string | undefined;
    for (const { source, file } of sourceFiles(core)) {
      const got = await readSource(core, source, file);
      if (typeof got === "string") {
        problems.push(got);
        if (source !== "project") unread ??= file;
      } else if (source === "project") project.push(...got);
      else for (const e of got) servers.set(e.name, e);
    }
    for (const e of project) {
      const by = servers.get(e.name)?.file;
      if (!by && !unread) servers.set(e.name, e);
      else {
        const why = by
          ? `${by} declares the same name, and a project's .mcp.json never replaces a server declared there; rename it in the project`
          : `${unread} cannot be read and may declare the same name, which a project's .mcp.json never replaces; fix that file`;
        ignored.push({ ...e, error: `MCP server "${e.name}" (${e.file}) ignored: ${why}` });
      }
    }
    const t = await toggles();
    for (const e of servers.values()) {
      if (e.server && typeof t[e.name] === "boolean") e.server.enabled = t[e.name]!;
    }
    return { servers, ignored, problems };
  }

  /** Persist one toggle atomically; serialised within this process. */
  function toggle(name: string, enabled: boolean): Promise<void> {
    const step = writing.then(async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const next = { ...(await toggles()), [name]: enabled };
      const tmp = `${togglesFile}.${process.pid}.${Date.now()}.tmp`;
      try {
        await core.fs.writeNoFollow(tmp, JSON.stringify(next, null, 2) + "\n", 0o600);
        await rename(tmp, togglesFile);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    });
    writing = step.catch(() => {});
    return step;
  }

  /** The servers `names` asks for, expanded with the server's environment (a project's entry:
   * only the names SWARM_MCP_PROJECT_VARS lists), with their source; refuses an unknown, invalid
   * or disabled one (listing what exists) or an unset or unlisted ${VAR}. */
  async function resolve(names: readonly string[]) {
    const out = new Map<string, { server: McpServer; source: Source }>();
    const projectVars = new Set(
      (core.config.env.SWARM_MCP_PROJECT_VARS ?? "").split(",").map((n) => n.trim()),
    );
    if (!names.length) return out;
    const { servers, problems } = await load();
    for (const name of names) {
      const e = servers.get(name);
      const cannot = `Cannot give the agent MCP server "${name}"`;
      if (!e) {
        const have = [...servers.values()].map((s) =>
          s.server?.enabled === false ? `${s.name} (disabled)` : s.name
        );
        core.fail(
          "NOT_FOUND",
          `${cannot}: no source declares it (${sourceFiles(core).map((s) => s.file).join(", ")}${
            problems.length ? `; ${problems.join("; ")}` : ""
          }); available: ${have.length ? have.join(", ") : "none"}`,
          { available: have },
        );
      }
      if (!e.server) core.fail("INVALID_INPUT", `${cannot}: ${e.error}; fix the entry`);
      if (!e.server.enabled) {
        core.fail("CONFLICT", `${cannot}: it is disabled; enable it with enable_mcp first`);
      }
      try {
        const only = e.source === "project" ? projectVars : undefined;
        out.set(name, { server: interpolate(e.server, core.config.env, only), source: e.source });
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        core.fail(
          "INVALID_INPUT",
          `${cannot}: ${err.message} (${e.file})`,
        );
      }
    }
    return out;
  }

  return { load, toggle, resolve, togglesFile };
}

export type McpRegistry = ReturnType<typeof mcpRegistry>;
