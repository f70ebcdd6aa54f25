// The agent's environment travels to a Swarm task as a file its wrapper sources with /bin/sh:
// whatever a value holds (quotes, $(…), backticks, newlines) must arrive as the same bytes and
// never run; a name sh cannot export is refused with a sentence.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envFile } from "../../../src/plugins/swarm/service.ts";

describe("swarm env file", () => {
  it("hostile values arrive byte for byte and run nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "swarm-env-"));
    try {
      const mark = join(dir, "ran");
      const env = {
        A: `it's "quoted" $(touch ${mark}) \`touch ${mark}\` $HOME \\ end`,
        B: "line one\nline two\n'\n",
        EMPTY: "",
      };
      const file = join(dir, "env");
      writeFileSync(file, envFile(env));
      const out = execFileSync("/bin/sh", [
        "-c",
        `. "$1" && printf '%s\\0%s\\0%s' "$A" "$B" "$EMPTY"`,
        "sh",
        file,
      ], { encoding: "utf8", env: { PATH: process.env.PATH } });
      assert.deepEqual(out.split("\0"), [env.A, env.B, env.EMPTY]);
      assert.throws(() => execFileSync("test", ["-e", mark]), "a value ran a command");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a name sh cannot export", () => {
    for (const bad of ["A-B", "1X", "X Y", "A=B", "X;touch /tmp/x"]) {
      assert.throws(() => envFile({ [bad]: "v" }), /Cannot pass environment variable .*rename it/);
    }
  });
});
