// encrypt/decrypt end to end through MCP on a real core (fake runtime): no plaintext byte is left
// anywhere under the data dir or HOME, the round trip restores text and structured output, and a
// wrong, missing or tampered key or ciphertext fails with its own sentence.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { bindCore } from "../../../src/core/loader.ts";
import { filesHolding } from "./scan.ts";

// The prompts spell it with a JSON escape, so only the agent's output holds these bytes.
const MARKER = "ZEBRA-QUILL-7731";
const SPELLED = "ZEBR\\u0041-QUILL-7731";

describe("encrypt and decrypt", () => {
  let h: Harness;
  const run = async (directive: string) => {
    const r = await h.call("run", { prompt: `task [[fake ${directive}]]` });
    assert.equal(r.isError, false, r.text);
    return r.data.ref as string;
  };
  const dirOf = (ref: string) => h.core.refs.paths(ref.split("/")[0]!, ref.split("/")[1]!).dir;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("leaves no byte of the plaintext anywhere: stream, stderr, copies, HOME, a downstream prompt and session", async () => {
    const c = await h.call("chain", {
      stages: [
        { prompt: `one [[fake text="${SPELLED} out" stderr="${SPELLED} err"]]` },
        { prompt: `two [[fake text="summary"]]` },
      ],
    });
    assert.equal(c.isError, false, c.text);
    const ref = c.data.intermediates[0].ref as string;
    assert.equal((await h.call("unwrap", { ref })).isError, false);
    assert.equal((await h.call("inspect", { ref })).isError, false);
    await writeFile(join(dirOf(ref), "home", "transcript.jsonl"), MARKER);
    // What claude's PostToolUse hook logs when the agent writes its output to a file.
    await mkdir(join(dirOf(ref), "out"), { recursive: true });
    await writeFile(join(dirOf(ref), "out", "artifacts.jsonl"), `{"content":"${MARKER}"}\n`);
    // The next stage's session transcript (kept for reply) holds its prompt, i.e. the output.
    const next = c.data.final.ref as string;
    await writeFile(join(dirOf(next), "home", "session.jsonl"), MARKER);
    const before = (await filesHolding(h.dataDir, MARKER)).map((f) => f.split("/").pop());
    const copies = ["stream.jsonl", "stderr.log", "output.md", "inspect.md", "prompt.txt"];
    for (const f of [...copies, "artifacts.jsonl"]) {
      assert.ok(before.includes(f), `the fixture has no plaintext in ${f}: ${before}`);
    }
    const e = await h.call("encrypt", { ref });
    assert.equal(e.isError, false, e.text);
    assert.deepEqual(await filesHolding(h.dataDir, MARKER), []);
    const d = await h.call("decrypt", { ref, key_id: e.data.key_id });
    assert.equal(d.isError, false, d.text);
    assert.equal(await readFile(d.data.file, "utf8"), `${MARKER} out`);
  });

  it("a failed agent's error, which quotes its output, goes too: result.json, the run's record, the wire, inspect", async () => {
    const [mark, spelled] = ["HERON-SEAL-5520", "HER\\u004fN-SEAL-5520"]; // this test's own
    const r = await h.call("run", {
      prompt: `task [[fake text="${spelled} out" fail="${spelled} in the error"]]`,
    });
    const ref = r.data.ref as string;
    assert.equal(r.data.status, "failed", r.text);
    assert.ok((await filesHolding(h.dataDir, mark)).some((f) => f.endsWith("result.json")));
    assert.ok((await filesHolding(h.dataDir, mark)).some((f) => f.endsWith("run.json")));
    const e = await h.call("encrypt", { ref });
    assert.equal(e.isError, false, e.text);
    assert.deepEqual(await filesHolding(h.dataDir, mark), []);
    assert.match(e.data.ref?.error ?? e.text, /removed when this ref was encrypted/);
    const i = await h.call("inspect", { ref });
    assert.ok(!i.text.includes(mark), i.text);
    assert.match(i.text, /removed when this ref was encrypted/);
  });

  it("round trip keeps the structured output out of result.json and the wire until decrypt", async () => {
    // {"a": MARKER}, spelled so that the prompt does not hold it.
    const ref = await run(`text="t" json="{\\"a\\":\\"ZEBR\\\\u0041-QUILL-7731\\"}"`);
    const e = await h.call("encrypt", { ref: { ref } });
    assert.equal(e.data.stamps.encryption.algorithm, "xchacha20-poly1305");
    assert.equal(e.data.structured_output, undefined);
    assert.equal(e.data.content_hash, null, "the plaintext's hash stayed on the ref");
    // Its run dir (result.json, run.json with the run's result): the first test's output.md is elsewhere.
    const runDir = h.core.refs.runDir(ref.split("/")[0]!);
    assert.deepEqual(await filesHolding(runDir, MARKER), [], "the structured output stayed");
    const d = await h.call("decrypt", { ref, key_id: e.data.key_id });
    assert.deepEqual(d.data.structured_output, { a: MARKER });
    assert.equal(
      (await h.call("guard", { ref, check: "encrypted", value: e.data.key_id })).isError,
      false,
    );
  });

  it("refuses a ref whose run is still running (its record would keep the plaintext result)", async () => {
    const p = await h.call("par", {
      tasks: [{ prompt: `a [[fake text="a"]]` }, { prompt: `b [[fake sleep=5000]]` }],
      wait_s: 1,
    });
    assert.equal(p.data.status, "running", p.text);
    try {
      const ref = p.data.refs_so_far[0].ref ?? p.data.refs_so_far[0];
      const r = await h.call("encrypt", { ref });
      assert.equal(r.data.code, "CONFLICT", r.text);
      assert.match(r.text, /is still running; call wait with that run_id, then encrypt/);
    } finally {
      await h.call("cancel", { run_id: p.data.run_id });
    }
  });

  it("refuses: already encrypted, unknown ref, empty output; and makes no key for them", async () => {
    const ref = await run(`text="x"`);
    const key = (await h.call("encrypt", { ref })).data.key_id;
    const again = await h.call("encrypt", { ref });
    assert.equal(again.data.code, "CONFLICT");
    assert.match(again.text, new RegExp(`encrypted already \\(key_id ${key}\\)`));
    assert.equal((await h.call("encrypt", { ref: "0123456789ab/nope" })).data.code, "NOT_FOUND");
    const keys = async () => (await filesHolding(join(h.core.refs.root, ".keys"), "")).length;
    const n = await keys();
    const empty = await h.call("encrypt", { ref: await run(`text=""`) });
    assert.equal(empty.data.code, "INVALID_INPUT");
    assert.match(empty.text, /has no output/);
    assert.equal(await keys(), n, "a refused encrypt left a key behind");
  });

  it("an encrypt cut short (stamp saved, copies not yet removed) is finished by encrypting again", async () => {
    const ref = await run(`text="t"`);
    const e = await h.call("encrypt", { ref });
    assert.equal(e.isError, false, e.text);
    // What a server killed between the stamp and the removals leaves: plaintext beside the stamp.
    const dir = dirOf(ref);
    const LEFT = "OTTER-LEFT-4412"; // only this test writes it
    await writeFile(join(dir, "stream.jsonl"), LEFT);
    await writeFile(join(dir, "home", "transcript.jsonl"), LEFT);
    assert.equal((await filesHolding(h.dataDir, LEFT)).length, 2);
    const again = await h.call("encrypt", { ref });
    assert.equal(again.data.code, "CONFLICT", again.text);
    assert.deepEqual(await filesHolding(h.dataDir, LEFT), []);
    const d = await h.call("decrypt", { ref, key_id: e.data.key_id });
    assert.equal(await readFile(d.data.file, "utf8"), "t");
  });

  it("wrong key: key mismatch; missing key: NOT_FOUND; tampered or moved ciphertext fails authentication", async () => {
    const [a, b] = [await run(`text="a"`), await run(`text="b"`)];
    const ka = (await h.call("encrypt", { ref: a })).data.key_id;
    const kb = (await h.call("encrypt", { ref: b })).data.key_id;
    const wrong = await h.call("decrypt", { ref: a, key_id: kb });
    assert.equal(wrong.data.code, "INVALID_INPUT");
    assert.match(wrong.text, new RegExp(`key mismatch: expected ${ka}, got ${kb}`));
    const enc = join(dirOf(a), "text.enc");
    const good = await readFile(enc, "utf8");
    const flipped = good.slice(0, 40) + (good[40] === "A" ? "B" : "A") + good.slice(41);
    for (const bad of [flipped, await readFile(join(dirOf(b), "text.enc"), "utf8"), "", "!!"]) {
      await writeFile(enc, bad);
      const t = await h.call("decrypt", { ref: a, key_id: ka });
      assert.equal(t.data.code, "CONFLICT", t.text);
      assert.match(t.text, /fails authentication/);
    }
    await rm(join(h.core.refs.root, ".keys", kb));
    const gone = await h.call("decrypt", { ref: b, key_id: kb });
    assert.equal(gone.data.code, "NOT_FOUND");
  });

  it("keys live in .keys (dir 0700, file 0600, 32 bytes)", async () => {
    const key = (await h.call("encrypt", { ref: await run(`text="k"`) })).data.key_id;
    const dir = await stat(join(h.core.refs.root, ".keys"));
    const file = await stat(join(h.core.refs.root, ".keys", key));
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(file.mode & 0o777, 0o600);
    assert.equal(file.size, 32);
  });

  it("only the encryption stamp's owner may seal or read ciphertext", async () => {
    const ref = await run(`text="s"`);
    const other = bindCore(h.core, { name: "other", stamps: new Set(["x"]) });
    await assert.rejects(
      other.refs.seal(ref, "x", { key_id: "k", algorithm: "a" }),
      /FORBIDDEN|does not own/,
    );
    await assert.rejects(
      other.refs.read(ref, "text", { sealed: true }),
      /does not own the "encryption" stamp/,
    );
    const own = bindCore(h.core, { name: "security", stamps: new Set(["encryption"]) });
    assert.equal((await own.refs.read(ref, "text", { sealed: true })).text, "s");
  });
});

describe("SWARM_ENCRYPT_ALL=1", () => {
  let h: Harness;
  before(async () => (h = await createHarness({ env: { SWARM_ENCRYPT_ALL: "1" } })));
  after(() => h.dispose());

  it("seals every ref with output as it finishes; the ref shows its key_id", async () => {
    const r = await h.call("run", { prompt: `x [[fake text="${SPELLED}"]]` });
    assert.equal(r.isError, false, r.text);
    const keyId = r.data.stamps?.encryption?.key_id;
    assert.match(String(keyId), /^[0-9a-f]{32}$/, JSON.stringify(r.data));
    assert.deepEqual(await filesHolding(h.dataDir, MARKER), []);
    const d = await h.call("decrypt", { ref: r.data.ref, key_id: keyId });
    assert.equal(await readFile(d.data.file, "utf8"), MARKER);
  });
});
