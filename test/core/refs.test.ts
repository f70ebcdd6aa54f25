import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefStore, parseRefId } from "../../src/core/refs.ts";
import { isToolError } from "../../src/core/errors.ts";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isToolError(e) ? e.code : "not a ToolError";
  }
  return "no error";
};

describe("refs", () => {
  it("parseRefId() accepts ids, ref objects and their JSON", () => {
    assert.deepEqual(parseRefId("0123456789ab/agent-0"), {
      run_id: "0123456789ab",
      agent_id: "agent-0",
    });
    assert.deepEqual(parseRefId({ ref: "0123456789ab/stage-1" }), {
      run_id: "0123456789ab",
      agent_id: "stage-1",
    });
    assert.deepEqual(parseRefId('{"ref":"0123456789ab/reducer"}'), {
      run_id: "0123456789ab",
      agent_id: "reducer",
    });
  });

  it("parseRefId() refuses path tricks before any path is built", () => {
    for (
      const bad of [
        "../../etc/passwd",
        "0123456789ab/..",
        "0123456789ab/../x",
        "/etc/passwd",
        "0123456789AB/a",
        "0123456789abc/a",
        "0123456789a/a",
        "0123456789ab/a/b",
        "0123456789ab/" + "a".repeat(65),
        "",
        "0123456789ab/a b",
        42,
        null,
        "{not json",
        "x".repeat(5000),
      ]
    ) {
      assert.equal(
        code(() => parseRefId(bad)),
        "INVALID_INPUT",
        `accepted ${String(bad).slice(0, 30)}`,
      );
    }
  });

  it("creates private dirs, finishes a ref with a content hash, and reads it back", async () => {
    const root = join(await mkdtemp(join(tmpdir(), "refs-")), "data");
    const store = await createRefStore(root);
    assert.equal((await stat(root)).mode & 0o777, 0o700);
    const run = store.newRunId();
    assert.match(run, /^[0-9a-f]{12}$/);
    const p = await store.create(run, "agent-0");
    assert.equal((await stat(p.dir)).mode & 0o777, 0o700);
    await assert.rejects(
      store.create(run, "agent-0"),
      (e) => isToolError(e) && e.code === "CONFLICT",
    );
    const ref = await store.finish(run, "agent-0", {
      status: "ok",
      exit_code: 0,
      error: null,
      text: "hello world",
      cost_usd: 0.25,
      duration_seconds: 1.234,
      parents: ["aaaaaaaaaaaa/x"],
    });
    assert.equal(ref.ref, `${run}/agent-0`);
    assert.equal(ref.size, 11);
    assert.equal(ref.content_hash, "b94d27b9934d3e08"); // sha256("hello world")
    assert.deepEqual(ref.parents, ["aaaaaaaaaaaa/x"]);
    assert.equal(ref.duration_seconds, 1.23);
    assert.deepEqual(ref.stamps, { cost: { usd: 0.25 } });
    assert.ok(JSON.stringify(ref).length < 1024);
    assert.equal(await store.readText(ref.ref), "hello world");
    assert.deepEqual(store.wire(await store.get(ref)), ref);
  });

  it("get() of an unknown ref is NOT_FOUND, and nothing is created", async () => {
    const root = await mkdtemp(join(tmpdir(), "refs-"));
    const store = await createRefStore(root);
    await assert.rejects(
      store.get("0123456789ab/agent-0"),
      (e) => isToolError(e) && e.code === "NOT_FOUND",
    );
    assert.deepEqual((await readdir(root)).filter((n) => n !== ".keys"), []);
  });

  it("stamps are signed: a stamp forged by editing result.json is dropped", async () => {
    const root = await mkdtemp(join(tmpdir(), "refs-"));
    const store = await createRefStore(root);
    const run = store.newRunId();
    await store.create(run, "a");
    await store.finish(run, "a", {
      status: "ok",
      exit_code: 0,
      error: null,
      text: "x",
      duration_seconds: 0,
    });
    const validated = {
      verdict: "VALID",
      type: "report",
      score: 1,
      issues: [],
      validation_ref: null,
    };
    await store.stamp(`${run}/a`, "validated", validated);
    assert.deepEqual((await store.stamps(`${run}/a`)).validated, validated);
    const file = join(root, run, "a", "result.json");
    const rec = JSON.parse(await readFile(file, "utf8"));
    rec.stamps.classification = { level: "public" };
    await writeFile(file, JSON.stringify(rec));
    assert.deepEqual(await store.stamps(`${run}/a`), {});
  });

  it("a second store on the same dir shares the stamp key (stamps survive a restart)", async () => {
    const root = await mkdtemp(join(tmpdir(), "refs-"));
    const a = await createRefStore(root);
    const run = a.newRunId();
    await a.create(run, "a");
    await a.finish(run, "a", {
      status: "ok",
      exit_code: 0,
      error: null,
      text: "x",
      duration_seconds: 0,
    });
    await a.stamp(`${run}/a`, "checked", true);
    const b = await createRefStore(root);
    assert.equal((await b.stamps(`${run}/a`)).checked, true);
  });
});
