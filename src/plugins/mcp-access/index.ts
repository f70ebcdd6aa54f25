// MCP servers for agents (issue 14): a validated registry of the host's MCP servers (registry.ts,
// servers.ts), switched on and off with tools (tools.ts), and staged into each agent as exactly the
// servers it asked for (launch.ts). A loopback ANTHROPIC_BASE_URL is pointed at the host gateway
// or refused before the agent starts (loopback.ts).
import type { PluginFactory, SpawnAdditions } from "../../core/types.ts";
import { launchHooks } from "./launch.ts";
import { baseUrlHooks } from "./loopback.ts";
import { mcpRegistry } from "./registry.ts";
import { mcpTools } from "./tools.ts";

export default ((core) => {
  const registry = mcpRegistry(core);
  const launch = launchHooks(core, registry);
  const baseUrl = baseUrlHooks(core);
  return {
    name: "mcp-access",
    tools: mcpTools(core, registry),
    hooks: {
      async check(job) {
        await baseUrl.check(job);
        await launch.check(job);
      },
      async prepare(job): Promise<SpawnAdditions> {
        return { ...(await launch.prepare(job)), ...(await baseUrl.prepare(job)) };
      },
    },
  };
}) satisfies PluginFactory;
