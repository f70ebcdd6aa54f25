// stdio end to end on raw pipes: stdin EOF alone stops the binary and its containers (no SIGTERM
// from a client library helps), and a tool that throws from a timer or leaves a rejection
// unhandled does not end the process.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { binarySkip } from "../helpers/binary.ts";
import {
  agentImage,
  dockerSkip,
  ownedContainers,
  ROOT,
  uniqueName,
} from "../helpers/docker-env.ts";
import { type RawServer, startRaw } from "../helpers/raw-stdio.ts";

const faults = join(ROOT, "test", "fixtures", "faults-manifest.json");
const engineSkip = binarySkip || (await dockerSkip());
const servers: RawServer[] = [];
after(() => servers.forEach((s) => s.kill()));

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) assert.fail(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("stdio transport of the binary", { skip: binarySkip }, () => {
  it("exits by itself within 10 s when stdin ends", async () => {
    const s = await startRaw(["--manifest", faults]);
    servers.push(s);
    await s.initialize();
    s.child.stdin!.end();
    assert.equal(
      await s.exited(10_000),
      0,
      `the server did not exit on stdin EOF; stderr: ${s.stderr().slice(-1000)}`,
    );
    // Not just an empty event loop running out: the shutdown path ran (it is what removes containers).
    assert.match(s.stderr(), /shutting down: stdin closed/);
  });

  it("stdin EOF also removes a sleeping agent's container", { skip: engineSkip }, async () => {
    await agentImage();
    const s = await startRaw(["--manifest", faults], {
      SWARM_HOST_ID: uniqueName("swarm-test-host"),
    });
    servers.push(s);
    await s.initialize();
    const started = await s.request(2, "tools/call", {
      name: "run",
      arguments: {
        prompt: "sleep",
        agent: "command",
        command: ["sleep", "300"],
        network: false,
        wait_s: 0,
      },
    }, 60_000);
    const runId = started.result?.structuredContent?.run_id;
    assert.ok(runId, JSON.stringify(started));
    await until(
      "the container starts",
      async () => (await ownedContainers({ "swarm-mcp.run": runId })).length === 1,
      60_000,
    );
    s.child.stdin!.end();
    assert.equal(
      await s.exited(15_000),
      0,
      `the server did not exit on stdin EOF; stderr: ${s.stderr().slice(-1000)}`,
    );
    assert.deepEqual(
      await ownedContainers({ "swarm-mcp.run": runId }),
      [],
      "the run's container is gone once the server has exited",
    );
  });

  it("keeps serving after a tool throws from a timer and another leaves a rejection unhandled", async () => {
    const s = await startRaw(["--manifest", faults]);
    servers.push(s);
    await s.initialize();
    const thrown = await s.request(2, "tools/call", { name: "throw_later", arguments: {} });
    assert.equal(thrown.result?.structuredContent?.scheduled, true, JSON.stringify(thrown));
    const rejected = await s.request(3, "tools/call", { name: "reject_unhandled", arguments: {} });
    assert.equal(rejected.result?.structuredContent?.rejected, true, JSON.stringify(rejected));
    await until(
      "both incidents logged",
      () =>
        /uncaught exception \(incident [0-9a-f]+-p\d+\)[^\n]*thrown from a timer/.test(
          s.stderr(),
        ) &&
        /unhandled rejection \(incident [0-9a-f]+-p\d+\)[^\n]*rejected and unhandled/.test(
          s.stderr(),
        ),
      5000,
    );
    const listed = await s.request(4, "tools/list");
    assert.ok(listed.result.tools.some((t: { name: string }) => t.name === "throw_later"));
    assert.equal(s.child.exitCode, null, "the process is alive");
    s.child.stdin!.end();
    assert.equal(await s.exited(10_000), 0);
  });
});
