// The official MCP conformance suite (@modelcontextprotocol/conformance) against the compiled binary
// over --http. Its client sends no Authorization header, so the server runs with --no-auth on
// loopback (the token itself is tested in http-security.test.ts). conformance-baseline.yml lists
// only scenarios for capabilities swarm-mcp does not offer: a failure outside it fails this test,
// and so does a baseline entry that passes (the suite's own exit code says both).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, binarySkip } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";
import { until } from "../helpers/wait.ts";

const SUITE = join(
  ROOT,
  "node_modules",
  "@modelcontextprotocol",
  "conformance",
  "dist",
  "index.js",
);
const BUN = join(ROOT, "node_modules", ".bin", "bun"); // the suite needs fs.globSync (Node >= 22 or Bun)

describe("MCP conformance suite over --http", { skip: binarySkip }, () => {
  let server: ChildProcess;
  let url = "";
  before(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "swarm-conformance-"));
    server = spawn(BINARY, ["--http", "--no-auth", "--port", "0"], {
      env: { ...process.env, SWARM_DATA_DIR: dataDir, SWARM_LOG_LEVEL: "info" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    server.stderr!.on("data", (d) => {
      log += d;
      url ||= /listening on (http:\S+\/mcp)/.exec(log)?.[1] ?? "";
    });
    await until(`the server listens (stderr: ${log.slice(-500)})`, () => !!url, 10_000);
  });
  after(() => void server?.kill("SIGTERM"));

  it("passes every scenario outside the baseline, and every baseline entry still fails", async () => {
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile(
        BUN,
        [
          SUITE,
          "server",
          "--url",
          url,
          "--expected-failures",
          join(import.meta.dirname, "conformance-baseline.yml"),
        ],
        { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
        (e, stdout, stderr) =>
          resolve({
            code: e ? Number((e as { code?: number }).code ?? 1) : 0,
            text: stdout + stderr,
          }),
      );
    });
    const summary = out.text.split("\n").filter((l) =>
      /^[✓✗]|Total|baseline|unexpected|stale/i.test(l)
    );
    assert.equal(out.code, 0, summary.join("\n"));
    assert.match(out.text, /✓ logging-set-level/, "the logging capability is declared");
    assert.match(out.text, /✓ tools-list/);
  });
});
