// Values nested 100,000 deep where a pipeline definition or a sandbox spec expects a number, a
// word or a list, from a caller's arguments or from a saved file in a project agents may write. On
// the binary each is INVALID_INPUT with a sentence; before, the error message itself recursed
// (String() or JSON.stringify of the value) and the call ended as an INTERNAL error.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binarySkip } from "../../helpers/binary.ts";
import { type RawServer, startRaw } from "../../helpers/raw-stdio.ts";

const DEEP = "[".repeat(100_000) + "]".repeat(100_000);

describe(
  "deeply nested values in definitions and specs, on the binary",
  { skip: binarySkip },
  () => {
    let s: RawServer;
    let root: string;
    let id = 0;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), "swarm-deep-"));
      const project = join(root, "project");
      await mkdir(join(project, "pipelines"), { recursive: true });
      await mkdir(join(project, "sandboxes"));
      await writeFile(
        join(project, "pipelines", "deep.json"),
        `{"steps":[{"prompt":"x"}],"budget":${DEEP}}`,
      );
      await writeFile(join(project, "sandboxes", "deep.json"), `{"model":${DEEP}}`);
      s = await startRaw([], { SWARM_DATA_DIR: join(root, "data"), SWARM_PROJECT_DIR: project });
      await s.initialize();
    });
    after(async () => {
      s?.kill();
      await rm(root, { recursive: true, force: true });
    });

    async function call(tool: string, args: string) {
      const n = ++id;
      await s.write(
        `{"jsonrpc":"2.0","id":${n},"method":"tools/call","params":{"name":"${tool}","arguments":${args}}}\n`,
      );
      const m = await s.next(`answer to ${tool} #${n}`, (m) => m.id === n, 15_000);
      return { ...m.result, text: m.result.content[0].text as string };
    }

    it("each is INVALID_INPUT with a sentence, and the server goes on", async () => {
      const step = (field: string) =>
        `{"definition":{"steps":[{"prompt":"x","${field}":${DEEP}}]}}`;
      const cases: [string, string, RegExp][] = [
        ["pipeline", `{"definition":{"steps":[{"prompt":"x"}],"budget":${DEEP}}}`, /"budget" is/],
        [
          "pipeline",
          `{"definition":{"steps":[{"prompt":"x"}],"classification":${DEEP}}}`,
          /classif/,
        ],
        ["pipeline", step("condition"), /condition/],
        ["pipeline", step("max_retries"), /max_retries/],
        ["pipeline", step("on_fail"), /on_fail/],
        ["pipeline", step("model"), /"model"/],
        ["pipeline", step("timeout"), /"timeout"/],
        ["pipeline", step("network"), /"network"/],
        ["pipeline", step("env_vars"), /"env_vars"/],
        ["pipeline", `{"definition":"deep"}`, /"budget" is/],
        ["save_sandbox_spec", `{"name":"a","spec":{"tools":${DEEP}}}`, /"tools"/],
        ["run", `{"prompt":"x","sandbox":{"model":${DEEP}}}`, /"model"/],
        ["run", `{"prompt":"x","sandbox":"deep"}`, /"model"/],
      ];
      for (const [tool, args, re] of cases) {
        const r = await call(tool, args);
        const what = `${tool} ${args.slice(0, 70)}`;
        assert.equal(r.isError, true, what);
        assert.equal(r.structuredContent.error.code, "INVALID_INPUT", `${what}: ${r.text}`);
        assert.match(r.text, /^Cannot /, what);
        assert.match(r.text, re, `${what}: ${r.text}`);
      }
      const after = await call("list_sandbox_specs", "{}");
      assert.equal(after.isError, undefined, after.text);
      assert.equal(await s.exited(10), "running");
    });
  },
);
