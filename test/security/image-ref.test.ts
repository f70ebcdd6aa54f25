// Image references are checked against Docker's grammar before they reach the engine: each hostile
// string below is refused with a sentence that names the value, and each valid one passes as is.
// Runs under Bun and Deno (node:test only).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkImageRef } from "../../src/plugins/docker/image-ref.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime } from "../helpers/tool-error.ts";
import { HOSTILE_IMAGES } from "./hostile-images.ts";

const hex64 = "0123456789abcdef".repeat(4);

const VALID = [
  "debian",
  "debian:bookworm-slim",
  "library/debian:12",
  "swarm-mcp-agent:0.1.0",
  "swarm-base:bookworm",
  "localhost:5000/x",
  "localhost/x",
  "registry.example.com/org/app:v1.2_3",
  "gcr.io/distroless/static-debian12",
  "a",
  "a.b_c__d-e---f",
  "a:B",
  `debian@sha256:${hex64}`,
  `debian:12@sha256:${hex64}`,
  "[::1]:5000/app",
  "192.168.1.2:80/a/b/c",
  "Registry.io/app",
  `a:${"t".repeat(128)}`,
  "a".repeat(255),
  hex64.slice(0, 63),
  `x/${hex64}`,
];

describe("checkImageRef", () => {
  for (const [category, input] of HOSTILE_IMAGES) {
    it(`hostile image ${category}: ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…(${input.length})` : input)}`, () => {
      const t0 = performance.now();
      assert.throws(() => checkImageRef(input), (thrown: unknown) => {
        const e = fromRuntime(thrown);
        assert.ok(isToolError(e), `not a ToolError: ${e}`);
        assert.equal(e.code, "INVALID_INPUT");
        assert.match(
          e.message,
          /^Cannot use image ".*": .+; give a name like "debian:bookworm-slim"$/s,
        );
        assert.ok(!/[\n\r\0]/.test(e.message), "the message carries no raw control characters");
        assert.ok(e.message.length < 600, `message of ${e.message.length} characters`);
        return true;
      });
      assert.ok(performance.now() - t0 < 50, "checked within 50 ms");
    });
  }

  for (const ref of VALID) {
    it(`accepts ${ref.length > 60 ? `${ref.slice(0, 30)}…` : ref}`, () =>
      assert.equal(checkImageRef(ref), ref));
  }

  it("names the field and the reason", () => {
    assert.throws(
      () => checkImageRef("Debian", "base image"),
      /Cannot use base image "Debian": a repository name must be lower case;/,
    );
    assert.throws(() => checkImageRef(""), /: it is empty;/);
    assert.throws(() => checkImageRef("--help"), /starts with "-"/);
    assert.throws(() => checkImageRef("a".repeat(256)), /more than Docker's 255/);
    assert.throws(() => checkImageRef(hex64), /image id/);
  });

  it("has distinct inputs", () =>
    assert.equal(new Set(HOSTILE_IMAGES.map(([, i]) => i)).size, HOSTILE_IMAGES.length));
});
