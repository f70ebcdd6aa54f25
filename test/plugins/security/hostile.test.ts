// Hostile arguments to encrypt, decrypt and classify: each is refused with its code and a sentence,
// no key is made for a refused call, and the server keeps answering.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const BAD_REFS: unknown[] = [
  "",
  " ",
  "../../etc/passwd",
  "0123456789ab",
  "0123456789ab/",
  "/agent-0",
  "0123456789ab/..",
  "0123456789ab/.",
  "0123456789ab/a/b",
  "0123456789AB/agent-0",
  "0123456789ab/agent\u0000",
  "0123456789ab/" + "a".repeat(65),
  "x".repeat(5000),
  '{"ref":',
  '{"ref":"../x"}',
  { ref: "../../x/y" },
  "0123456789ab/agent 0",
  "0123456789ab\\agent-0",
  "%2e%2e/%2e%2e",
  "0123456789ab/.keys",
];
const BAD_KEY_IDS = [
  "",
  "stamps.key",
  "../stamps.key",
  "0".repeat(31),
  "0".repeat(33),
  "A".repeat(32),
  "g".repeat(32),
  "0".repeat(31) + "\u0000",
  "0".repeat(32) + "\n",
  " " + "0".repeat(31),
  "x".repeat(10_000),
  "%2e%2e%2fstamps.key",
];
const BAD_CLASSIFY: Record<string, unknown>[] = [
  { level: "secret" },
  { level: "PUBLIC" },
  { level: "" },
  { level: "restricted " },
  { level: 3 },
  { level: null },
  { level: ["public"] },
  { level: "__proto__" },
  { level: "public", allowed_mcps: ["-rf"] },
  { level: "public", allowed_mcps: ["a b"] },
  { level: "public", denied_mcps: ["../x"] },
  { level: "public", denied_mcps: ["a\u0000"] },
  { level: "public", denied_mcps: [""] },
  { level: "public", allowed_mcps: ["x".repeat(200)] },
  { level: "public", allowed_mcps: Array.from({ length: 101 }, (_, i) => `m${i}`) },
  { level: "public", allowed_mcps: "slack" },
  { level: "public", denied_mcps: [1] },
  { level: "public", denied_mcps: [{ name: "x" }] },
];

describe("security tools under hostile input", () => {
  let h: Harness;
  let ref: string;
  let key: string;
  const keys = () => readdir(join(h.core.refs.root, ".keys"));
  before(async () => {
    h = await createHarness();
    const other = (await h.call("run", { prompt: `y [[fake text="u"]]` })).data.ref;
    key = (await h.call("encrypt", { ref: other })).data.key_id;
    ref = (await h.call("run", { prompt: `z [[fake text="v"]]` })).data.ref;
  });
  after(() => h.dispose());

  for (const [i, bad] of BAD_REFS.entries()) {
    it(`encrypt, decrypt and classify refuse ref #${i} ${JSON.stringify(bad).slice(0, 40)}`, async () => {
      const n = (await keys()).length;
      for (
        const [tool, args] of [
          ["encrypt", {}],
          ["decrypt", { key_id: key }],
          ["classify", { level: "public" }],
        ] as const
      ) {
        const r = await h.call(tool, { ref: bad, ...args });
        assert.equal(r.isError, true, `${tool}: ${r.text}`);
        assert.ok(["INVALID_INPUT", "NOT_FOUND", "TOO_LARGE"].includes(r.data.code), r.text);
        assert.match(r.text, /Cannot|Invalid|expected/i);
      }
      assert.equal((await keys()).length, n, "a refused encrypt made a key");
    });
  }

  for (const [i, bad] of BAD_KEY_IDS.entries()) {
    it(`decrypt refuses key_id #${i} ${JSON.stringify(bad).slice(0, 40)} without touching a file`, async () => {
      const enc = (await h.call("run", { prompt: `k [[fake text="k"]]` })).data.ref;
      assert.equal((await h.call("encrypt", { ref: enc })).isError, false);
      const r = await h.call("decrypt", { ref: enc, key_id: bad });
      assert.equal(r.data.code, "INVALID_INPUT", r.text);
      assert.match(r.text, /Cannot (use key_id|decrypt)/);
    });
  }

  for (const [i, bad] of BAD_CLASSIFY.entries()) {
    it(`classify refuses arguments #${i} ${JSON.stringify(bad).slice(0, 50)}`, async () => {
      const r = await h.call("classify", { ref, ...bad });
      assert.equal(r.data.code, "INVALID_INPUT", r.text);
      assert.deepEqual(await h.core.refs.stamps(ref).then((s) => s.classification), undefined);
    });
  }

  it("a key file replaced by a link is not followed: NOT_FOUND, and the server still answers", async () => {
    const enc = (await h.call("run", { prompt: `l [[fake text="l"]]` })).data.ref;
    const k = (await h.call("encrypt", { ref: enc })).data.key_id as string;
    const path = join(h.core.refs.root, ".keys", k);
    await rm(path);
    await symlink(join(h.core.refs.root, ".keys", key), path);
    const r = await h.call("decrypt", { ref: enc, key_id: k });
    assert.equal(r.data.code, "NOT_FOUND", r.text);
    assert.equal((await h.call("decrypt", { ref: enc, key_id: key })).data.code, "INVALID_INPUT");
  });
});
