// A data dir, key or result.json prepared by someone else is refused, never adopted: the data dir
// must be ours, private and no link; so must .keys and a 32-byte stamps.key; result.json must name
// the id it was loaded under and a plain text file; no default ever lands in a shared /tmp.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultDataDir } from "../../src/config.ts";
import { isToolError } from "../../src/core/errors.ts";
import { StartupError } from "../../src/core/loader.ts";
import { createRefStore } from "../../src/core/refs.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const MARKER = "HOST-FILE-4b1e";
let t: string;
const refusedStart = (reason: RegExp) => (e: unknown) => {
  assert.ok(e instanceof StartupError, String(e));
  assert.match(e.message, reason);
  assert.match(e.message, /chmod 700|SWARM_DATA_DIR/);
  return true;
};

/** A data dir laid out as another user would plant it: its own key, everything owned by `uid`. */
async function planted(
  name: string,
  o: { uid?: number; mode?: number; keyMode?: number; key?: Buffer } = {},
): Promise<string> {
  const root = join(t, name);
  await mkdir(join(root, ".keys"), { recursive: true, mode: 0o700 });
  await writeFile(join(root, ".keys", "stamps.key"), o.key ?? Buffer.alloc(32, 7), {
    mode: o.keyMode ?? 0o600,
  });
  await chmod(join(root, ".keys", "stamps.key"), o.keyMode ?? 0o600);
  await chmod(root, o.mode ?? 0o700);
  if (o.uid !== undefined) {
    for (const p of [root, join(root, ".keys"), join(root, ".keys", "stamps.key")]) {
      await chown(p, o.uid, o.uid);
    }
  }
  return root;
}

const asRoot = process.getuid?.() === 0 ? false : "chown to another uid needs root";

describe("data dir ownership", () => {
  before(async () => {
    t = await mkdtemp(join(tmpdir(), "swarm-datadir-"));
  });
  after(() => rm(t, { recursive: true, force: true }));

  it("hostile default: without SWARM_DATA_DIR, XDG_STATE_HOME or HOME the server refuses to start", () => {
    assert.throws(
      () => defaultDataDir({}),
      (e) => e instanceof StartupError && /set SWARM_DATA_DIR/.test(e.message),
    );
    assert.throws(() => defaultDataDir({ HOME: "" }), StartupError);
    assert.equal(defaultDataDir({ HOME: "/home/u" }), "/home/u/.local/state/swarm-mcp");
    assert.equal(defaultDataDir({ XDG_STATE_HOME: "/s", HOME: "/home/u" }), "/s/swarm-mcp");
  });

  it("hostile data dir: a key planted by another uid", { skip: asRoot }, async () => {
    const root = await planted("foreign-key");
    await chown(join(root, ".keys", "stamps.key"), 65534, 65534);
    await assert.rejects(
      createRefStore(root),
      refusedStart(/stamps\.key it is owned by uid 65534/),
    );
  });

  it("hostile data dir: the whole dir prepared by another uid", { skip: asRoot }, async () => {
    await assert.rejects(
      createRefStore(await planted("foreign-dir", { uid: 65534 })),
      refusedStart(/owned by uid 65534/),
    );
  });

  it("hostile data dir: group-writable, or other-readable", async () => {
    await assert.rejects(
      createRefStore(await planted("group-writable", { mode: 0o770 })),
      refusedStart(/mode 770 lets other users in/),
    );
    await assert.rejects(
      createRefStore(await planted("world-readable", { mode: 0o705 })),
      refusedStart(/mode 705/),
    );
  });

  it("hostile data dir: a symlink to a directory", async () => {
    const real = await planted("real-target");
    await symlink(real, join(t, "linked"));
    await assert.rejects(createRefStore(join(t, "linked")), refusedStart(/symbolic link/));
  });

  it("hostile key: readable by others, the wrong size, a symlink, a FIFO", async () => {
    await assert.rejects(
      createRefStore(await planted("key-644", { keyMode: 0o644 })),
      refusedStart(/stamps\.key its mode 644/),
    );
    await assert.rejects(
      createRefStore(await planted("key-short", { key: Buffer.alloc(31) })),
      refusedStart(/31 bytes/),
    );
    const linked = await planted("key-link");
    await rm(join(linked, ".keys", "stamps.key"));
    await writeFile(join(t, "elsewhere.key"), Buffer.alloc(32, 1), { mode: 0o600 });
    await symlink(join(t, "elsewhere.key"), join(linked, ".keys", "stamps.key"));
    await assert.rejects(createRefStore(linked), refusedStart(/stamps\.key it is a symbolic link/));
    const fifo = await planted("key-fifo");
    await rm(join(fifo, ".keys", "stamps.key"));
    execFileSync("mkfifo", ["-m", "600", join(fifo, ".keys", "stamps.key")]);
    await assert.rejects(
      createRefStore(fifo),
      refusedStart(/stamps\.key it is not a regular file/),
    );
    const keys = await planted("keys-open");
    await chmod(join(keys, ".keys"), 0o755);
    await assert.rejects(createRefStore(keys), refusedStart(/\.keys its mode 755/));
  });

  it("a fresh data dir is created private and opened again", async () => {
    const root = join(t, "fresh", "data");
    const a = await createRefStore(root);
    const b = await createRefStore(root);
    assert.equal(a.root, b.root);
  });
});

describe("result.json is not trusted as a path or an identity", () => {
  let h: Harness;
  let host: string;
  before(async () => {
    h = await createHarness();
    host = join(h.dataDir, "host-file.txt");
    await writeFile(host, MARKER);
  });
  after(() => h?.dispose());

  async function edited(
    edit: (rec: Record<string, unknown>, dir: string) => Promise<void> | void,
  ): Promise<string> {
    const r = await h.call("run", {
      agent: "command",
      command: ["cat"],
      prompt: `[[fake text="own output"]]`,
    });
    assert.equal(r.isError, false, r.text);
    const [run, id] = (r.data.ref as string).split("/");
    const dir = h.core.refs.paths(run!, id!).dir;
    const file = join(dir, "result.json");
    const rec = JSON.parse(await readFile(file, "utf8"));
    await edit(rec, dir);
    await writeFile(file, JSON.stringify(rec));
    return r.data.ref;
  }

  const cases: [string, (rec: Record<string, unknown>, dir: string) => Promise<void> | void][] = [
    [
      "text_file ../../../../etc/hostname",
      (rec) => void (rec.text_file = "../../../../etc/hostname"),
    ],
    ["text_file absolute host path", (rec) => void (rec.text_file = "PLACEHOLDER")],
    ["text_file ..", (rec) => void (rec.text_file = "..")],
    ["text_file a nested path", (rec) => void (rec.text_file = "workspace/x")],
    ["text_file not a string", (rec) => void (rec.text_file = { path: "/etc/hostname" })],
    ["ref naming another agent", (rec) => void (rec.ref = "0123456789ab/other")],
    ["run_id of another run", (rec) => void (rec.run_id = "0123456789ab")],
    ["agent_id with a path", (rec) => void (rec.agent_id = "../../x")],
  ];
  for (const [what, edit] of cases) {
    it(`hostile result.json: ${what} → unwrap refuses and shows nothing from the host`, async () => {
      const ref = await edited((
        rec,
        dir,
      ) => (what.includes("absolute") ? void (rec.text_file = host) : edit(rec, dir)));
      const r = await h.call("unwrap", { ref });
      assert.equal(r.isError, true, r.text);
      assert.equal(r.data.code, "CONFLICT", r.text);
      assert.match(r.text, /result\.json is damaged or not written by swarm-mcp/);
      await assert.rejects(
        h.core.refs.readText(ref),
        (e) => isToolError(e) && e.code === "CONFLICT",
      );
    });
  }

  it("hostile result.json: text_file a symlink to a host file → unwrap copies nothing", async () => {
    const ref = await edited(async (rec, dir) => {
      rec.text_file = "text.md";
      await symlink(host, join(dir, "text.md"));
    });
    const r = await h.call("unwrap", { ref });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.size, 0);
    assert.match(r.data.skipped, /symbolic link/);
    assert.ok(!(await readFile(r.data.file, "utf8")).includes(MARKER));
  });

  it("hostile result.json: itself a symlink → refused, not followed", async () => {
    const ref = await edited(() => {});
    const [run, id] = ref.split("/");
    const file = join(h.core.refs.paths(run!, id!).dir, "result.json");
    const copy = join(h.dataDir, "elsewhere.json");
    await writeFile(copy, await readFile(file));
    await rm(file);
    await symlink(copy, file);
    const r = await h.call("unwrap", { ref });
    assert.equal(r.data.code, "CONFLICT", r.text);
    assert.match(r.text, /result\.json is a symbolic link/);
  });

  it("hostile stamp: a stamp forged with a key the server did not make → guard validated fails", async () => {
    const ref = await edited((rec) => {
      rec.stamps = { validated: { verdict: "VALID", type: "report" } };
      rec.stamps_sig = "0".repeat(64);
    });
    const r = await h.call("guard", { ref, check: "validated" });
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.code, "GUARD_FAILED", r.text);
  });
});
