// Hostile inputs to the first-contact code: a lying /etc/os-release (doctor and the set-up print
// fixed commands and never echo the file), platform/cpu names the npm launcher must refuse before
// it resolves any path, and costs an agent's transcript may report (it is agent-written: a
// negative figure would raise the budget left for the others, Infinity ends as null in JSON).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefStore } from "../../src/core/refs.ts";
import { detectSystem, dockerHelp, readOsRelease, type System } from "../../src/install-help.ts";
import type { RefStore } from "../../src/core/types.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const MARK = "PWNED";
const OS_RELEASE: [name: string, text: string, want: System][] = [
  ["shell in ID", `ID="debian; echo ${MARK}"\n`, "linux"],
  ["command substitution in ID", `ID=$(echo ${MARK})\n`, "linux"],
  ["backticks in ID_LIKE", `ID=x\nID_LIKE=\`${MARK}\`\n`, "linux"],
  ["newline escape in ID", `ID="deb\\nian"\n`, "linux"],
  ["ANSI escapes in ID", `ID="\x1b[31m${MARK}\x1b[0m"\n`, "linux"],
  ["NUL in ID", `ID=debi\0an\n`, "linux"],
  ["upper-case DEBIAN", "ID=DEBIAN\n", "linux"],
  ["id= lower-case key", "id=debian\n", "linux"],
  ["ID with spaces around =", "ID = debian\n", "linux"],
  ["unterminated quote", 'ID="debian\n', "linux"],
  ["mismatched quotes", "ID=\"debian'\n", "linux"],
  ["debian as a substring", "ID=notdebian\n", "linux"],
  ["debian only in NAME", 'NAME="debian"\nID=evil\n', "linux"],
  ["debian in a comment", "# ID=debian\nID=arch\n", "linux"],
  ["ID twice, second lies", `ID=fedora\nID=debian; ${MARK}\n`, "fedora"],
  ["ID_LIKE with a path", "ID=x\nID_LIKE=../../debian\n", "linux"],
  ["65-character token", `ID=${"d".repeat(65)}\n`, "linux"],
  ["1 MB single line", `ID=${"a".repeat(1 << 20)}\n`, "linux"],
  ["ID after 64 KiB of padding", `${"#".repeat(70_000)}\nID=debian\n`, "linux"],
  ["binary garbage", "\xff\xfe\x00\x01ID\x00=debian", "linux"],
  ["only a BOM", "\ufeff", "linux"],
  ["valid ID after garbage lines", `garbage\n\0\0\nID=ubuntu\n`, "debian"],
  ["ID_LIKE lists debian among hostile tokens", `ID=x\nID_LIKE="$(${MARK}) debian"\n`, "debian"],
];

const PLATFORMS: [platform: string, arch: string, glibc?: boolean][] = [
  ["win32", "x64"],
  ["freebsd", "x64"],
  ["openbsd", "x64"],
  ["sunos", "x64"],
  ["aix", "ppc64"],
  ["android", "arm64"],
  ["linux", "ia32"],
  ["linux", "arm"],
  ["linux", "s390x"],
  ["linux", "ppc64"],
  ["linux", "riscv64"],
  ["linux", "loong64"],
  ["darwin", "ia32"],
  ["LINUX", "X64"],
  ["linux ", "x64"],
  ["linux\n", "x64"],
  ["linux\0", "x64"],
  ["../..", "etc/passwd"],
  ["/tmp/x", "x64"],
  ["__proto__", "x64"],
  ["constructor", ""],
  ["", ""],
  ["linux", "x64/../../../tmp/evil"],
  ["linux".repeat(5000), "x64"],
  ["linux", "x64", false],
  ["linux", "arm64", false],
];

const COSTS: [name: string, value: unknown, want: number | null][] = [
  ["negative", -5, null],
  ["tiny negative", -1e-9, null],
  ["-Infinity", -Infinity, null],
  ["Infinity", Infinity, null],
  ["NaN", NaN, null],
  ["above a million dollars", 1e6 + 1, null],
  ["1e308", 1e308, null],
  ["Number.MAX_VALUE", Number.MAX_VALUE, null],
  ["a numeric string", "0.5", null],
  ["a boolean", true, null],
  ["an object", { usd: 1 }, null],
  ["an array", [0.5], null],
  ["a float sum", 0.1 + 0.2, 0.3],
  ["below a micro-dollar", 4e-7, 0],
  ["a long fraction", 0.00007000000000000001, 0.00007],
  ["minus zero", -0, 0],
  ["a million dollars exactly", 1e6, 1e6],
];

describe("hostile first contact", () => {
  describe("os-release", () => {
    for (const [name, text, want] of OS_RELEASE) {
      it(`hostile os-release: ${name}`, () => {
        const system = detectSystem("linux", text);
        assert.equal(system, want);
        const help = dockerHelp(system, "absent", "npm test");
        assert.ok(
          !help.includes(MARK) && !help.includes("\0") && !help.includes("\x1b"),
          `the help echoes the file: ${help}`,
        );
      });
    }

    let dir: string;
    before(async () => (dir = await mkdtemp(join(tmpdir(), "swarm-osrel-"))));
    after(() => rm(dir, { recursive: true, force: true }));
    const read = (path: string) => readOsRelease([path]);
    it("hostile os-release: a link to /dev/zero is read up to 64 KiB, not forever", async () => {
      await symlink("/dev/zero", join(dir, "zero"));
      assert.equal((await read(join(dir, "zero"))).length, 64 * 1024);
    });
    it("hostile os-release: a 10 MB file is read up to 64 KiB", async () => {
      await writeFile(join(dir, "big"), "x".repeat(10 << 20));
      assert.equal((await read(join(dir, "big"))).length, 64 * 1024);
    });
    it("hostile os-release: a directory reads as empty", async () =>
      assert.equal(await read(dir), ""));
    it("hostile os-release: a dangling link reads as empty", async () => {
      await symlink(join(dir, "nowhere"), join(dir, "dangling"));
      assert.equal(await read(join(dir, "dangling")), "");
    });
  });

  describe("launcher platform", () => {
    const { binaryPath } = createRequire(import.meta.url)("../../npm/swarm-mcp/bin/swarm-mcp.js");
    for (const [platform, arch, glibc = true] of PLATFORMS) {
      const shown = JSON.stringify(`${platform}-${arch}`).slice(0, 50);
      it(`hostile launcher platform: ${shown}${glibc ? "" : " without glibc"}`, () => {
        let resolved = false;
        const result = binaryPath(platform, arch, glibc, () => (resolved = true, "/never"));
        assert.ok(result instanceof Error, `accepted ${shown}`);
        assert.match(result.message, /^Cannot start swarm-mcp (on|:)/);
        assert.ok(result.message.length < 300, "the message repeats the whole input");
        assert.equal(resolved, false, "a package path was resolved for a refused platform");
      });
    }
    it("hostile launcher platform: a resolver that throws becomes the not-installed sentence", () => {
      const result = binaryPath("darwin", "arm64", true, () => {
        throw new Error("Cannot find module");
      });
      assert.match(
        result.message,
        /^Cannot start swarm-mcp: its binary package @swarm-mcp\/darwin-arm64 is not installed; /,
      );
    });
  });

  describe("agent-reported cost", () => {
    let store: RefStore;
    let root: string;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), "swarm-cost-"));
      store = await createRefStore(join(root, "data"));
    });
    after(() => rm(root, { recursive: true, force: true }));
    for (const [name, value, want] of COSTS) {
      it(`hostile agent cost: ${name}`, async () => {
        const run = store.newRunId();
        await store.create(run, "agent-0");
        const ref = await store.finish(run, "agent-0", {
          status: "ok",
          exit_code: 0,
          error: null,
          text: "x",
          cost_usd: value as number,
          duration_seconds: 1,
        });
        assert.equal(ref.cost_usd, want);
        assert.equal(
          (await store.get(ref.ref)).cost_usd,
          want,
          "the stored record differs from the wire",
        );
        assert.deepEqual(
          (await store.stamps(ref.ref)).cost,
          want === null ? undefined : { usd: want },
        );
      });
    }
  });

  describe("agent-reported cost through par", () => {
    let h: Harness;
    before(async () => (h = await createHarness()));
    after(() => h.dispose());
    it("hostile agent cost: a negative cost does not raise the budget left for the other agents", async () => {
      // One at a time: after the liar and two honest agents 0.8 >= 0.7 is spent, so the last never starts.
      const tasks = ["-100", "0.4", "0.4", "0.4"].map((c, i) => ({
        prompt: `agent ${i} [[fake cost=${c}]]`,
      }));
      const r = await h.call("par", { tasks, budget: 0.7, max_concurrency: 1 });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.results[0].cost_usd, null);
      assert.equal(r.data.budget.spent, 0.8);
      assert.equal(
        r.data.budget.stopped,
        true,
        `the last agent ran on a budget raised by the lie: ${r.text}`,
      );
      assert.equal(r.data.budget.not_started.length, 1);
      assert.equal(r.data.totals.cost_usd, 0.8);
    });
  });
});
