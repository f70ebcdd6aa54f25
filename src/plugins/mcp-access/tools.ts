// list_mcps, enable_mcp, disable_mcp: what agents may be given in `mcps`, and switching a server
// on and off for every later agent (persisted across restarts).
import type { Core, Json, Tool } from "../../core/types.ts";
import { probe } from "./probe.ts";
import type { McpRegistry } from "./registry.ts";
import { SERVER_NAME } from "./servers.ts";

export function mcpTools(core: Core, registry: McpRegistry): Tool[] {
  const { v } = core;
  const name = v.pipe(
    v.string(),
    v.regex(SERVER_NAME, "an MCP server name"),
    v.description("MCP server name"),
  );

  async function list(probing: boolean) {
    const { servers, ignored, problems } = await registry.load();
    const rows = await Promise.all([...servers.values(), ...ignored].map(async (e) => {
      const s = e.server;
      const row: Record<string, Json> = {
        name: e.name,
        type: s?.type ?? null,
        enabled: s?.enabled ?? false,
        source: e.source,
      };
      if (s?.command !== undefined) row.command = s.command;
      if (s?.url !== undefined) row.url = s.url;
      if (e.error) row.error = e.error;
      else if (probing && s) row.probe = await probe(core, e, s);
      return row;
    }));
    return { servers: rows, ...(problems.length ? { problems } : {}) };
  }

  async function toggle(n: string, enabled: boolean) {
    const { servers } = await registry.load();
    if (!servers.has(n)) {
      core.fail(
        "NOT_FOUND",
        `Cannot ${
          enabled ? "enable" : "disable"
        } MCP server "${n}": no source declares it; available: ${
          [...servers.keys()].join(", ") || "none"
        }`,
      );
    }
    await registry.toggle(n, enabled);
    return { name: n, enabled };
  }

  const toggled = { type: "object" as const, properties: { enabled: { type: "boolean" } } };
  return [
    {
      name: "list_mcps",
      description:
        "MCP servers agents may get through `mcps` (~/.claude.json, swarm-mcp's mcp.json, the project's .mcp.json if enabled). probe: start each enabled one, count its tools. Returns {servers: [{name, type, enabled, source, command|url, error?, probe?}]}.",
      annotations: { readOnlyHint: true, openWorldHint: false },
      input: v.object({
        probe: v.optional(v.pipe(v.boolean(), v.description("Start each, count tools")), false),
      }),
      output: { type: "object", properties: { servers: { type: "array" } } },
      run: (a: { probe: boolean }) => list(a.probe),
    },
    {
      name: "enable_mcp",
      description: "Let agents be given this MCP server again (kept across restarts).",
      annotations: { idempotentHint: true, openWorldHint: false },
      input: v.object({ name }),
      output: toggled,
      run: (a: { name: string }) => toggle(a.name, true),
    },
    {
      name: "disable_mcp",
      description:
        "Refuse this MCP server to every later agent (kept across restarts); enable_mcp undoes it.",
      annotations: { idempotentHint: true, openWorldHint: false },
      input: v.object({ name }),
      output: toggled,
      run: (a: { name: string }) => toggle(a.name, false),
    },
  ];
}
