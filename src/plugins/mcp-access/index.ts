// MCP servers for agents (issue 14): a validated registry of the host's MCP servers, switched on
// and off with tools, and staged into each agent as exactly the servers it asked for.
import type { Core, Plugin, PluginFactory } from "../../core/types.ts";

export default ((_core: Core): Plugin => ({ name: "mcp-access" })) satisfies PluginFactory;
