// The README's first command, `npm run demo`, played as a newcomer without credentials: the
// scripted model server, the compiled binary, a par of three real claude agents and a reduce over
// their refs; it must end 0 with each agent's text and the reducer's parents printed, and leave
// none of its agent containers behind.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  agentImage,
  dockerSkip,
  ownedContainers,
  ROOT,
  uniqueName,
} from "../helpers/docker-env.ts";

const skip = await dockerSkip();

describe("npm run demo", { skip }, () => {
  const host = uniqueName("swarm-test-demo");
  let dataDir = "";
  after(() => dataDir && rm(dataDir, { recursive: true, force: true }));

  it("runs par of 3 and a reduce on real containers and exits 0", async () => {
    await agentImage();
    dataDir = await mkdtemp(join(tmpdir(), "swarm-demo-"));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith("ANTHROPIC_") && !k.startsWith("CLAUDE_")) env[k] = v;
    }
    const r = await new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        join(ROOT, "node_modules", ".bin", "bun"),
        ["scripts/demo.ts"],
        {
          cwd: ROOT,
          timeout: 300_000,
          maxBuffer: 16 << 20,
          env: { ...env, SWARM_DATA_DIR: dataDir, SWARM_HOST_ID: host },
        },
        (e, out, err) =>
          resolve({ code: e ? Number(e.code ?? -1) : 0, out: String(out), err: String(err) }),
      );
    });
    const said = `exit ${r.code}\n--- stdout\n${r.out}\n--- stderr\n${r.err.slice(-4000)}`;
    assert.equal(r.code, 0, said);
    assert.equal(r.out.match(/^ref \S+\/agent-\d {2}ok /gm)?.length, 3, said);
    assert.match(r.out, /^ {3}Structural types catch mistakes before the code runs\.$/m, said);
    assert.match(r.out, /^ref \S+\/reducer {2}parents (\S+\/agent-\d(, )?){3}$/m, said);
    assert.match(r.out, /^total: 4 agents, \$\d/m, said);
    assert.deepEqual(await ownedContainers({ "swarm-mcp.host": host }), []);
  });
});
