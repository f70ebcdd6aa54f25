// Giving one agent exactly the MCP servers it asked for. check (before anything is queued): each
// name exists, is valid and enabled, its ${VAR}s are set, the directories its stdio command names
// may be mounted, and a loopback URL is allowed. prepare: the servers as the CLI's --mcp-config
// file (0600 in the agent's HOME: env values and headers may be secrets, never argv), those
// directories mounted read-only at the same paths, loopback URLs pointed at the host gateway.
import { realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, normalize, sep } from "node:path";
import type { Core, Json, Mount, SpawnAdditions, SpawnHooks, SpawnJob } from "../../core/types.ts";
import { MCP_CONFIG_FILE } from "../claude-code/stage.ts";
import { hostUrl } from "./loopback.ts";
import type { McpRegistry } from "./registry.ts";
import type { McpServer } from "./servers.ts";

// Trees the image brings itself (node, python3…): never mounted over, whatever a command names.
const IMAGE_TREES = /^\/(?:usr|bin|sbin|lib[^/]*|etc|opt|var|run|proc|sys|dev|boot)(?:\/|$)/;
// What the agent image has on its PATH. A host's absolute path to one (/opt/homebrew/bin/npx,
// ~/.nvm/…/node) means the image's own: the host's binary may not even run in the container.
const IMAGE_RUNTIMES = new Set([
  "node",
  "npx",
  "npm",
  "python3",
  "pip3",
  "git",
  "jq",
  "sh",
  "bash",
]);

/** The server with a host runtime's absolute path replaced by the image's command. */
export function imageCommand(s: McpServer): McpServer {
  const name = s.command !== undefined && isAbsolute(s.command) ? basename(s.command) : "";
  return IMAGE_RUNTIMES.has(name) ? { ...s, command: name } : s;
}

/** The host directories stdio servers' command, args and cwd name (a file's directory), that
 * exist and are not the image's own; nested ones folded into their parent, each once. */
export async function serverDirs(servers: McpServer[]): Promise<string[]> {
  const named = servers.filter((s) => s.type === "stdio")
    .flatMap((s) => [s.command ?? "", ...s.args, s.cwd ?? ""])
    .filter((p) => isAbsolute(p));
  const dirs: string[] = [];
  for (const p of named.map((x) => normalize(x))) {
    if (p === "/" || IMAGE_TREES.test(p)) continue;
    const st = await stat(p).catch(() => null);
    if (st) dirs.push(st.isDirectory() ? p : dirname(p));
  }
  const sorted = [...new Set(dirs)].filter((d) => d !== "/").sort();
  return sorted.filter((d, i) => !sorted.slice(0, i).some((o) => d.startsWith(o + "/")));
}

/** One entry of the CLI's --mcp-config. A cwd is honoured through /bin/sh (the CLI ignores it). */
function configEntry(s: McpServer): Record<string, Json> {
  if (s.type !== "stdio") return { type: s.type, url: s.url!, headers: s.headers };
  const [command, args] = s.cwd === undefined
    ? [s.command!, s.args]
    : ["/bin/sh", ["-c", 'cd "$0" && exec "$@"', s.cwd, s.command!, ...s.args]];
  return { type: "stdio", command, args, env: s.env };
}

export function launchHooks(core: Core, registry: McpRegistry): Required<
  Pick<SpawnHooks, "check" | "prepare">
> {
  const mcps = (job: SpawnJob) => (job.spec as { mcps?: string[] }).mcps ?? [];

  /** A project's entry (maybe an agent's edit) mounts only code inside the project: a path it
   * names elsewhere (another repo the mount policy would allow) is refused, links resolved. */
  async function insideProject(name: string, s: McpServer) {
    const project = core.config.projectDir;
    const real = project && await realpath(project).catch(() => undefined);
    for (const d of await serverDirs([s])) {
      // Unresolvable (a link swapped for a loop since stat): refused, never judged by its name.
      const at = await realpath(d).catch(() => "nothing");
      if (real && (at === real || at.startsWith(real + sep))) continue;
      core.fail(
        "FORBIDDEN",
        `Cannot give the agent MCP server "${name}": the project's .mcp.json names ${d}${
          at === d ? "" : ` (resolves to ${at})`
        }, outside the project dir ${project}, and a project's server may only use code inside it (an agent may have written the file); move the code into the project or declare the server in ~/.claude.json or swarm-mcp's mcp.json`,
      );
    }
  }

  /** The servers with loopback URLs rewritten, and the mounts their code needs. */
  async function plan(job: SpawnJob) {
    const servers = new Map<string, McpServer>();
    for (const [name, { server, source }] of await registry.resolve(mcps(job))) {
      if (source === "project") await insideProject(name, imageCommand(server));
      servers.set(name, imageCommand(server));
    }
    const mounts: Mount[] = [];
    const entries: Record<string, Json> = {};
    for (const [name, s] of servers) {
      const cannot = `Cannot give the agent MCP server "${name}"`;
      const url = s.url === undefined ? undefined : await hostUrl(core, job.spec.network, s.url, {
        cannot,
        allowed: core.config.env.SWARM_MCP_HOST_GATEWAY === "1",
        allowHow: "the operator can allow it with SWARM_MCP_HOST_GATEWAY=1",
      });
      entries[name] = configEntry(url === undefined ? s : { ...s, url });
    }
    // A directory the caller mounted at that path already is theirs to give.
    const taken = new Set(job.spec.mounts.map((m) => normalize(m.container_path)));
    for (const d of await serverDirs([...servers.values()])) {
      if (!taken.has(d)) mounts.push({ host_path: d, container_path: d, readonly: true });
    }
    return { mounts, entries };
  }

  return {
    async check(job) {
      if (!mcps(job).length) return;
      const { mounts } = await plan(job);
      if (!mounts.length) return;
      const { spec } = job;
      const rt = await core.runtime();
      // The same judgement as the caller's mounts get (again when the container starts).
      await rt.check({
        image: spec.image ?? "debian:bookworm-slim",
        mounts,
        network: spec.network,
        gpu: false,
        workdir: spec.workdir,
      }).catch((e) => {
        if (core.isToolError(e)) throw e;
        core.fail(
          "FORBIDDEN",
          `Cannot give the agent MCP servers ${mcps(job).join(", ")}: ${(e as Error).message}`,
        );
      });
    },

    async prepare(job): Promise<SpawnAdditions | void> {
      if (!mcps(job).length) return;
      const { mounts, entries } = await plan(job);
      const config = JSON.stringify({ mcpServers: entries }, null, 2) + "\n";
      return { mounts, home_files: { [MCP_CONFIG_FILE]: config } };
    },
  };
}
