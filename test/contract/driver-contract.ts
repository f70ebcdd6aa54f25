// The conformance suite every agent driver passes, built-in or a third-party file: valid names and
// fields, check() refusing a bad spec before any file is written, prepare() keeping the server's
// secrets out of argv and giving a well-formed plan (stdin text, string env), parse() never throwing
// on empty, partial, huge, binary or planted (symlink) output and reporting a failed exit clearly,
// cleanup() leaving no secret in the agent dir. Call testDriver(name, factory, opts) from a test.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { lstat, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PluginFactory, SandboxSpec } from "../../src/core/types.ts";
import { createDirs, exit, type Fixture, fixture } from "../plugins/command/fake-core.ts";

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const STATUSES = new Set(["ok", "failed", "timeout", "cancelled"]);

export interface DriverContractOptions {
  /** The driver's name in the plugin. */
  driver: string;
  /** A spec it runs (merged over the fixture's defaults). */
  spec?: Partial<SandboxSpec>;
  /** A spec its check() must refuse with INVALID_INPUT. */
  badSpec?: Partial<SandboxSpec>;
  /** Server environment holding secrets (values must never reach argv nor outlive cleanup). */
  secrets?: Record<string, string>;
}

export function testDriver(label: string, factory: PluginFactory, o: DriverContractOptions): void {
  describe(`driver contract: ${label}`, () => {
    const fixtures: Fixture[] = [];
    after(() => Promise.all(fixtures.map((f) => f.cleanup())));
    async function load() {
      const f = await fixture(o.secrets ?? {});
      fixtures.push(f);
      const plugin = await factory(f.core);
      const driver = plugin.agents?.find((a) => a.name === o.driver);
      assert.ok(driver, `plugin ${plugin.name} has no driver "${o.driver}"`);
      return { f, plugin, driver };
    }
    async function prepared() {
      const { f, driver } = await load();
      const job = f.job({ agent: o.driver, ...o.spec });
      await createDirs(job);
      return { f, driver, job, plan: await driver.prepare(job) };
    }

    it("has a valid name, and valid unique field names", async () => {
      const { plugin, driver } = await load();
      assert.match(driver.name, NAME);
      const names = (plugin.fields ?? []).map((x) => x.name);
      for (const n of names) assert.match(n, /^[a-z][a-z0-9_]{0,63}$/);
      assert.equal(new Set(names).size, names.length);
    });

    it("check() refuses a bad spec before any file is written", { skip: !o.badSpec }, async () => {
      const { f, driver } = await load();
      assert.ok(driver.check, "a driver given badSpec needs check()");
      const job = f.job({ agent: o.driver, ...o.spec, ...o.badSpec });
      await assert.rejects(
        Promise.resolve().then(() => driver.check!(job)),
        (e: { code?: string; message?: string }) =>
          e.code === "INVALID_INPUT" && /^Cannot /.test(e.message ?? ""),
      );
      await assert.rejects(lstat(job.paths.dir), { code: "ENOENT" });
    });

    it("prepare() gives a well-formed plan with no secret in argv", async () => {
      const { plan } = await prepared();
      const argv = [...(plan.entrypoint ?? []), ...plan.cmd];
      assert.ok(argv.length > 0 && argv.every((a) => typeof a === "string"));
      for (const value of Object.values(o.secrets ?? {})) {
        assert.ok(!argv.some((a) => a.includes(value)), `a secret is in argv: ${argv.join(" ")}`);
      }
      assert.ok(plan.stdin === undefined || typeof plan.stdin === "string");
      assert.ok(Object.values(plan.env).every((x) => typeof x === "string"));
    });

    const outputs: [string, (file: string) => Promise<void>][] = [
      ["no output file", async () => {}],
      ["empty output", (p) => writeFile(p, "")],
      ["partial JSON", (p) => writeFile(p, '{"type":"result","res')],
      ["8 MB on one line", (p) => writeFile(p, "x".repeat(8 << 20))],
      ["binary bytes", (p) => writeFile(p, Buffer.from([0, 255, 254, 10, 0xc3, 0x28]))],
      [
        "a hostile result line",
        (p) =>
          writeFile(
            p,
            '{"type":"result","is_error":false,"result":{"__proto__":1},"total_cost_usd":"NaN"}\n',
          ),
      ],
      ["a symlink to /etc/passwd", (p) => symlink("/etc/passwd", p)],
    ];
    for (const [what, plant] of outputs) {
      it(`parse() never throws on ${what}, and names a failed exit`, async () => {
        const { driver, job } = await prepared();
        await plant(job.paths.stream);
        for (const ex of [exit(), exit({ exitCode: 3 }), exit({ timedOut: true, exitCode: 137 })]) {
          const out = await driver.parse(job, ex);
          assert.ok(STATUSES.has(out.status), `status ${out.status}`);
          // A driver may trust a complete result line over the exit code (the CLI killed while
          // exiting); output without one must not pass as ok.
          if (ex.exitCode !== 0 && what !== "a hostile result line") {
            assert.notEqual(out.status, "ok");
            assert.ok(typeof out.error === "string" && out.error.length > 0);
          }
          if (typeof out.text === "string") assert.ok(!out.text.includes("root:x:0:0"));
        }
      });
    }

    it("cleanup() leaves no secret in the agent dir", async () => {
      const { driver, job } = await prepared();
      await driver.cleanup?.(job.paths);
      const secrets = Object.values(o.secrets ?? {});
      const entries = await readdir(job.paths.dir, { recursive: true, withFileTypes: true });
      for (const e of entries.filter((x) => x.isFile())) {
        const text = await readFile(join(e.parentPath, e.name), "utf8");
        for (const s of secrets) assert.ok(!text.includes(s), `${e.name} still holds a secret`);
      }
    });
  });
}
