// Every driver passes the driver contract: the built-in claude and command drivers and a
// third-party driver file (test/fixtures/plugins/shell-driver.ts).
import { builtins } from "../../src/plugins/_registry.ts";
import shell from "../fixtures/plugins/shell-driver.ts";
import { testDriver } from "./driver-contract.ts";

testDriver("claude", builtins["claude-code"]!, {
  driver: "claude",
  badSpec: { effort: "extreme" } as never,
  secrets: {
    ANTHROPIC_API_KEY: "sk-ant-contract-secret-1",
    CLAUDE_CODE_OAUTH_TOKEN: "oauth-contract-2",
  },
});
testDriver("command", builtins.command!, {
  driver: "command",
  spec: { command: ["sh", "-c", "cat"] },
  badSpec: { command: [] },
  secrets: { ANTHROPIC_API_KEY: "sk-ant-contract-secret-3" },
});
testDriver("shell (a plugin file)", shell, {
  driver: "shell",
  badSpec: { timeout: 3600 },
  secrets: { SHELL_TOKEN: "shell-contract-secret-4" },
});
