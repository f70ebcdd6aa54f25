// What README.md tells a newcomer, held against the code so it cannot drift: every SWARM_*
// variable the server or its scripts read is documented and every documented one is read; the
// tools table lists exactly the tools of the compiled binary; every flag of --help is in the
// README; every repository path the docs name exists; the pipeline example runs as written; and
// the plugin example (its two blocks, as written) loads into the compiled binary from a manifest
// in a temp dir and works.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HELP } from "../../src/config.ts";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { ROOT } from "../helpers/docker-env.ts";
import { createHarness } from "../helpers/harness.ts";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
// Read only inside the agent's container by the artifacts hook; the server never sets it.
const CONTAINER_ONLY = ["SWARM_ARTIFACTS_FILE"];

function files(dir: string, keep: (f: string) => boolean): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => keep(f) && statSync(join(ROOT, f)).isFile());
}

/** SWARM_* names in a text; `SWARM_RESOURCE_<name>` counts as its prefix. */
const swarmVars = (text: string) =>
  new Set(
    [...text.matchAll(/\bSWARM_[A-Z0-9_]*[A-Z0-9_]/g)].map((m) =>
      m[0].startsWith("SWARM_RESOURCE_") ? "SWARM_RESOURCE_" : m[0]
    ),
  );

/** The first backticked names of each row of the README's "## Tools" table. */
function toolsTable(): string[] {
  const section = readme.split(/^## Tools$/m)[1]!.split(/^#{2,3} /m)[0]!;
  return section.split("\n").filter((l) => l.startsWith("| `")).flatMap((l) =>
    [...l.split("|")[1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!)
  );
}

/** A fenced block of the README whose text passes `pick`. */
function block(lang: string, pick: (text: string) => boolean): string {
  const found = [...readme.matchAll(new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```$", "gm"))]
    .map((m) => m[1]!).filter(pick);
  assert.equal(found.length, 1, `README: expected one \`\`\`${lang} block, found ${found.length}`);
  return found[0]!;
}

describe("README.md against the code", () => {
  it("documents every SWARM_* variable the server and its scripts read, and no other", () => {
    const code = [
      ...files("src", (f) => f.endsWith(".ts") && !f.endsWith("_assets.ts")),
      ...files("scripts", (f) => /\.(ts|mjs|sh)$/.test(f)),
    ].map((f) => readFileSync(join(ROOT, f), "utf8")).join("\n");
    const read = [...swarmVars(code)].filter((v) => !CONTAINER_ONLY.includes(v));
    const documented = swarmVars(readme);
    assert.deepEqual(read.filter((v) => !documented.has(v)), [], "read but not in README.md");
    assert.deepEqual(
      [...documented].filter((v) => !read.includes(v)),
      [],
      "in README.md but read nowhere",
    );
  });

  it("names every flag and command of --help", () => {
    const flags = new Set([...HELP.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
    for (const command of ["build-image", "doctor"]) flags.add(command);
    assert.ok(flags.size >= 10, [...flags].join(" "));
    assert.deepEqual([...flags].filter((f) => !readme.includes(f)), []);
  });

  it("names only npm scripts that package.json has", () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const named = [...readme.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]!);
    assert.ok(named.includes("demo") && named.includes("build"), named.join(" "));
    assert.deepEqual(named.filter((n) => !(n in scripts)), []);
  });

  it("names only repository paths that exist", () => {
    const docs = [
      "README.md",
      ...files("docs", (f) => f.endsWith(".md")),
      "plugins/best-of/README.md",
    ];
    const missing: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), "utf8");
      const named = text.matchAll(
        /(?<![\w/.~-])(?:\.ci|\.github|agent-image|docs|plugins|scripts|src|test)\/[\w./-]*\w/g,
      );
      for (const [path] of named) {
        if (!existsSync(join(ROOT, path))) missing.push(`${doc}: ${path}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("the pipeline example is accepted as written and runs to done (fake runtime)", async () => {
    const definition = block("json", (t) => t.includes('"name": "implement-and-test"'));
    const h = await createHarness();
    try {
      const r = await h.call("pipeline", { definition });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.status, "done", r.text);
      const ids = new Set(r.data.trace.map((s: { step_id: string }) => s.step_id));
      assert.deepEqual([...ids].sort(), ["fix", "implement", "review", "test"]);
    } finally {
      await h.dispose();
    }
  });

  describe("on the compiled binary", { skip: binarySkip }, () => {
    const dirs: string[] = [];
    let server: BinaryServer | undefined;
    after(async () => {
      await server?.close();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it("the tools table lists exactly the tools of the default binary", async () => {
      const all = await startBinary({});
      try {
        const listed = (await all.client.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual([...toolsTable()].sort(), listed);
      } finally {
        await all.close();
      }
    });

    it("plugins/best-of/manifest.json, as its README says to run it, loads best_of", async () => {
      const bestOf = await startBinary({}, [
        "--manifest",
        join(ROOT, "plugins/best-of/manifest.json"),
      ]);
      try {
        const names = (await bestOf.client.listTools()).tools.map((t) => t.name);
        assert.ok(names.includes("best_of") && names.includes("par"), names.join(" "));
      } finally {
        await bestOf.close();
      }
    });

    it("the plugin example loads from a manifest in a temp dir and its tool works", async () => {
      const dir = await mkdtemp(join(tmpdir(), "swarm-readme-plugin-"));
      dirs.push(dir);
      const source = block("ts", (t) => t.startsWith("// word-count.ts\n"));
      const manifest = block("json", (t) => t.includes('"./word-count.ts"'));
      await writeFile(join(dir, "word-count.ts"), source);
      await writeFile(join(dir, "plugins.json"), manifest);
      const text = join(dir, "notes.txt");
      await writeFile(text, "three small words\nand two\n");
      server = await startBinary({}, ["--manifest", join(dir, "plugins.json")]);
      const names = (await server.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes("word_count") && names.includes("wrap"), names.join(" "));
      const wrapped = await server.call("wrap", { path: text });
      const counted = await server.call("word_count", { ref: wrapped.ref });
      assert.deepEqual(counted, { ref: wrapped.ref, words: 5 });
      const bad = await server.call("word_count", { ref: "../../etc" }, { allowError: true });
      assert.equal(bad.isError, true, bad.text);
      assert.match(bad.text, /Cannot .*"\.\.\/\.\.\/etc"/);
    });
  });
});
