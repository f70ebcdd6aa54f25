// A stamp's signature binds the ref it was made for: stamps copied onto another ref are dropped.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefStore } from "../../src/core/refs.ts";

describe("stamp signatures", () => {
  it("a signed stamp copied onto another ref does not verify there", async () => {
    const root = await mkdtemp(join(tmpdir(), "refs-"));
    try {
      const store = await createRefStore(root);
      const run = store.newRunId();
      for (const a of ["signed", "other"]) {
        await store.create(run, a);
        await store.finish(run, a, {
          status: "ok",
          exit_code: 0,
          error: null,
          text: a,
          duration_seconds: 0,
        });
      }
      const stamp = { level: "public", level_numeric: 0, allowed_mcps: [], denied_mcps: [] };
      await store.stamp(`${run}/signed`, "classification", stamp);
      const result = (a: string) => join(root, run, a, "result.json");
      const signed = JSON.parse(await readFile(result("signed"), "utf8"));
      const other = JSON.parse(await readFile(result("other"), "utf8"));
      await writeFile(
        result("other"),
        JSON.stringify({ ...other, stamps: signed.stamps, stamps_sig: signed.stamps_sig }),
      );
      assert.deepEqual(
        await store.stamps(`${run}/other`),
        {},
        "the copied signature verified on another ref",
      );
      assert.equal(store.wire(await store.get(`${run}/other`)).stamps, undefined);
      assert.deepEqual(
        (await store.stamps(`${run}/signed`)).classification,
        stamp,
        "the original still verifies",
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
