// The generated HTTP token is a fresh secret per data dir: 32 random bytes, never a fixed value.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpToken } from "../../src/server/http-token.ts";

describe("generated HTTP token", () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("differs between data dirs and is 32 bytes of base64url", async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const dir = await mkdtemp(join(tmpdir(), "swarm-test-token-"));
      dirs.push(dir);
      const { token } = await httpToken(dir);
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(token, "base64url").length, 32);
      tokens.add(token);
    }
    assert.equal(tokens.size, 3, "two data dirs got the same token");
  });
});
