// Clear errors for new users: the claude driver's "Not logged in" warning only when no credential
// reaches the CLI (a key given through the call's env_vars does). The HTTP answers (401, 403 with
// --allowed-host) are in clients-http.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { claudeDriver } from "../../src/plugins/claude-code/index.ts";
import { createDirs, fixture } from "../plugins/command/fake-core.ts";

describe("claude driver: the Not logged in warning", () => {
  test("is not given when the key comes through env_vars", async () => {
    const f = await fixture({});
    try {
      const job = f.job({ env_vars: { ANTHROPIC_API_KEY: "sk-ant-from-the-call" } });
      await createDirs(job);
      await claudeDriver(f.core).prepare(job);
      assert.deepEqual(f.warnings, []);
    } finally {
      await f.cleanup();
    }
  });

  test("is still given when no credential is anywhere", async () => {
    const f = await fixture({});
    try {
      const job = f.job({ env_vars: { UNRELATED: "x" } });
      await createDirs(job);
      await claudeDriver(f.core).prepare(job);
      assert.equal(f.warnings.length, 1);
      assert.match(f.warnings[0]!, /Not logged in/);
    } finally {
      await f.cleanup();
    }
  });
});
