// Hostile ref ids for every tool that reads a ref (unwrap, inspect, guard, reply, filter, reduce,
// merge, drop): a value that is not "<12 hex run id>/<agent id>" is INVALID_INPUT, a well-formed id
// with no agent behind it is NOT_FOUND (a guard fails closed), each with one bounded sentence; no
// path is built from the rest, nothing of the host is shown, and the server keeps serving.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../helpers/harness.ts";

const MARKER = "HOST-REF-MARKER-51c0";
const RUN = "run"; // replaced by the run id of a real ref in before()

/** [category, input]: $R is the real run's id. */
const MALFORMED: [string, unknown][] = [
  ["empty", ""],
  ["blank", " "],
  ["traversal", "../../etc/passwd"],
  ["run id only", "$R"],
  ["run id and slash", "$R/"],
  ["agent id only", "/agent-0"],
  ["dot-dot agent", "$R/.."],
  ["dot agent", "$R/."],
  ["three parts", "$R/a/b"],
  ["dot-dot inside", "$R/agent-0/../agent-0"],
  ["upper-case run id", "$R!upper/agent-0"],
  ["NUL byte", "$R/agent\u0000"],
  ["newline inside", "$R/agent\n-0"],
  ["space inside", "$R/agent 0"],
  ["backslash", "$R\\agent-0"],
  ["URL-encoded dots", "%2e%2e/%2e%2e"],
  ["URL-encoded agent", "$R/%61gent-0"],
  ["65-char agent id", `$R/${"a".repeat(65)}`],
  ["100,000 characters", "x".repeat(100_000)],
  ["absolute path", "/etc/passwd"],
  ["absolute agent path", "$R//etc/passwd"],
  ["JSON text of a ref object", '{"ref":"../x"}'],
  ["ref object with a traversal", { ref: "../../x/y" }],
  ["ref object with a number", { ref: 5 }],
  ["number", 5],
  ["null", null],
  ["array", ["$R/agent-0"]],
  ["boolean", true],
  ["cyrillic a in the run id", "\u0430$R/agent-0"],
  ["fullwidth slash", "$R\uff0fagent-0"],
];
const ABSENT: [string, string][] = [
  ["unknown agent", "$R/agent-9"],
  ["unknown run", "ffffffffffff/agent-0"],
  ["the key dir's name", "$R/.keys"],
  ["the agent's home dir's name", "$R/home"],
  ["a file of the run dir", "$R/run.json"],
  ["a planted file in the run dir", "$R/planted"],
  ["a file name of the agent dir", "$R/result.json"],
  ["prototype name", "$R/__proto__"],
  ["constructor", "$R/constructor"],
];
const TOOLS: [string, (ref: unknown) => Record<string, unknown>][] = [
  ["unwrap", (ref) => ({ ref })],
  ["inspect", (ref) => ({ ref })],
  ["guard", (ref) => ({ ref, check: "exists" })],
  ["reply", (ref) => ({ ref, prompt: "go on" })],
  ["filter", (ref) => ({ refs: [ref], declared_type: "anything" })],
  ["reduce", (ref) => ({ inputs: [{ ref }], synthesis_prompt: "sum up" })],
  ["merge", (ref) => ({ refs: [ref] })],
  ["drop", (ref) => ({ refs: [ref] })],
];

describe("hostile ref ids", () => {
  let h: Harness;
  let run = RUN;
  const fill = (x: unknown): unknown =>
    typeof x === "string"
      ? x.replace("$R!upper", run.toUpperCase()).replaceAll("$R", run)
      : Array.isArray(x)
      ? x.map(fill)
      : x;

  before(async () => {
    h = await createHarness();
    const r = await h.call("run", { prompt: `x [[fake text="hello"]]` });
    run = (r.data.ref as string).split("/")[0]!;
    // A file planted in the run dir that looks like a record naming the host file.
    await mkdir(join(h.core.config.dataDir, run), { recursive: true });
    await writeFile(
      join(h.core.config.dataDir, run, "planted"),
      JSON.stringify({ ref: `${run}/planted`, text_file: "/etc/passwd", marker: MARKER }),
    );
  });
  after(() => h.dispose());

  const refused = async (input: unknown, codes: string[], why: RegExp) => {
    for (const [tool, args] of TOOLS) {
      const r = await h.call(tool, args(fill(input)));
      assert.equal(r.isError, true, `${tool} accepted it: ${r.text.slice(0, 200)}`);
      assert.ok(codes.includes(r.data.code), `${tool} answered ${r.data.code}: ${r.text}`);
      assert.match(r.text, why, tool);
      assert.ok(r.text.length < 600, `${tool} echoes ${r.text.length} characters`);
      assert.ok(!r.text.includes(MARKER) && !/root:x:0/.test(r.text), `${tool} shows the host`);
    }
  };

  for (const [category, input] of MALFORMED) {
    it(`hostile ref id ${category}: ${JSON.stringify(input).slice(0, 40)}`, () =>
      refused(input, ["INVALID_INPUT"], /^(Cannot \w+|Invalid arguments)/));
  }
  for (const [category, input] of ABSENT) {
    it(`hostile ref id ${category}: ${JSON.stringify(input)}`, () =>
      refused(input, ["NOT_FOUND", "GUARD_FAILED"], /Cannot find ref|does not exist|not found/i));
  }

  it("after every hostile ref the real one still reads", async () => {
    const r = await h.call("unwrap", { ref: `${run}/agent-0` });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.size, 5);
  });
});
