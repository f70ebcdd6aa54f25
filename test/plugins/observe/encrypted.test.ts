// An encrypted ref's text is ciphertext: unwrap, reduce and inspect refuse or hide it rather than
// hand it out. The encryption stamp is made the way the encrypt tool makes it (core.refs.stamp).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const SECRET = "ciphertext-that-must-not-leave";

describe("encrypted refs", () => {
  let h: Harness;
  let ref: string;
  before(async () => {
    h = await createHarness();
    const r = await h.call("run", { prompt: `x [[fake text="${SECRET}"]]` });
    assert.equal(r.isError, false, r.text);
    ref = r.data.ref;
    assert.equal(
      await h.core.refs.readText(ref),
      SECRET,
      "the fixture's text is what must stay hidden",
    );
    await h.core.refs.stamp(ref, "encryption", { key_id: "k1", algorithm: "xchacha20poly1305" });
  });
  after(() => h.dispose());

  it("unwrap refuses it and writes no output.md", async () => {
    const r = await h.call("unwrap", { ref });
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.code, "CONFLICT");
    assert.match(r.text, /encrypted \(key_id k1\)/);
    const dir = h.core.refs.paths(ref.split("/")[0]!, ref.split("/")[1]!).dir;
    assert.equal(await stat(join(dir, "output.md")).then(() => "exists", () => "absent"), "absent");
  });

  for (
    const [how, input] of [["a {ref} object", () => ({ ref })], [
      "a ref id string",
      () => ref,
    ]] as const
  ) {
    it(`reduce refuses it given as ${how} and starts no reducer`, async () => {
      const before = h.runtime.started;
      const r = await h.call("reduce", { inputs: [input(), "plain"], synthesis_prompt: "merge" });
      assert.equal(r.isError, true, r.text);
      assert.equal(r.data.code, "CONFLICT");
      assert.equal(h.runtime.started, before, "a reducer was started on ciphertext");
    });
  }

  it("inspect does not show its text", async () => {
    const r = await h.call("inspect", { ref });
    assert.equal(r.isError, false, r.text);
    const report = await readFile(r.data.file, "utf8");
    assert.ok(!report.includes(SECRET), "inspect.md shows the encrypted text");
    assert.match(report, /\(encrypted\)/);
  });
});
