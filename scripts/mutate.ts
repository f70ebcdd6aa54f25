// Mutation testing: plant each behaviour bug listed in test/mutants/mutants.json, one at a time, in a
// copy of the tree, run only the tests named for it, and report which bugs the suite catches.
//
//   bun scripts/mutate.ts [--head] [--keep] [--list] [id…]
//
// --head   copy the committed tree (git HEAD) instead of the working tree (others may be mid-edit)
// --keep   leave the temp copy in place (its path is printed)
// --list   only say which mutants still apply (a `find` that matches once) and which are stale
// id…      only these mutants
//
// A mutant is {id, file, find, replace, tests, filter?, build?, why}: `find` must occur exactly once in
// `file`, else the mutant is stale (the source moved on) and the script fails, so the list stays
// current. Each mutant's tests get 60 s; `filter` is passed as `bun test -t`, `build` rebuilds the
// binary in the copy first. The working tree is never modified.
import { spawn, spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Mutant {
  id: string;
  file: string;
  find: string;
  replace: string;
  tests: string[];
  filter?: string;
  build?: boolean;
  why: string;
}

const ROOT = join(import.meta.dirname, "..");
const LIMIT_MS = 60_000;
const COPIED = [
  "src",
  "plugins",
  "test",
  "scripts",
  "agent-image",
  "package.json",
  "tsconfig.json",
  "bunfig.toml",
  "deno.json",
];
const BUN = join(ROOT, "node_modules", ".bin", "bun");

const argv = process.argv.slice(2);
const head = argv.includes("--head");
const keep = argv.includes("--keep");
const listOnly = argv.includes("--list");
const only = new Set(argv.filter((a) => !a.startsWith("--")));
const all = JSON.parse(
  await readFile(join(ROOT, "test", "mutants", "mutants.json"), "utf8"),
) as Mutant[];
const mutants = all.filter((m) => only.size === 0 || only.has(m.id));
const ids = new Set<string>();
for (const m of all) {
  if (ids.has(m.id)) {
    throw new Error(
      `Cannot run mutants: id "${m.id}" appears twice in test/mutants/mutants.json; give each mutant its own id`,
    );
  }
  ids.add(m.id);
}

/** Run a command in the copy; resolves with its exit code, or "timeout" after the limit (the process group is killed). */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  ms = LIMIT_MS,
): Promise<{ code: number | "timeout"; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      detached: true,
      env: { ...process.env, SWARM_LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const keepTail = (d: Buffer) => (out = (out + d.toString()).slice(-4000)); // only the tail is shown
    child.stdout.on("data", keepTail);
    child.stderr.on("data", keepTail);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch { /* already gone */ }
      resolve({ code: "timeout", out });
    }, ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

/** "id: why" for each mutant whose `find` does not occur exactly once in its file. */
async function staleOnes(read: (file: string) => Promise<string>): Promise<string[]> {
  const stale: string[] = [];
  for (const m of mutants) {
    const src = await read(m.file).catch(() => "");
    const n = src.split(m.find).length - 1;
    if (n !== 1) stale.push(`${m.id}: "${m.find.slice(0, 60)}" occurs ${n} times in ${m.file}`);
  }
  return stale;
}

if (listOnly) {
  const git = (f: string) => {
    const r = spawnSync("git", ["-C", ROOT, "show", `HEAD:${f}`], { encoding: "utf8" });
    return r.status === 0 ? Promise.resolve(r.stdout) : Promise.reject(new Error(r.stderr));
  };
  const stale = await staleOnes(head ? git : (f) => readFile(join(ROOT, f), "utf8"));
  for (const m of mutants) {
    const s = stale.find((x) => x.startsWith(`${m.id}:`));
    console.log(
      `${s ? "STALE" : "ok   "} ${m.id.padEnd(28)} ${s ?? `${m.file} → ${m.tests.join(" ")}`}`,
    );
  }
  process.exit(stale.length ? 1 : 0);
}

const dir = await mkdtemp(join(tmpdir(), "swarm-mutate-"));
process.stderr.write(`copy: ${dir}${head ? " (git HEAD)" : " (working tree)"}\n`);
if (head) {
  const archive = spawnSync("sh", [
    "-c",
    `git -C "$1" archive HEAD ${COPIED.join(" ")} | tar -x -C "$2"`,
    "sh",
    ROOT,
    dir,
  ]);
  if (archive.status !== 0) throw new Error(`Cannot copy git HEAD: ${archive.stderr}`);
} else {
  for (const p of COPIED) {
    await cp(join(ROOT, p), join(dir, p), { recursive: true }).catch((e) => {
      if ((e as { code?: string }).code !== "ENOENT") throw e;
    });
  }
}
await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));

try {
  // Stale mutants first: a `find` that no longer matches exactly once is a failure of this script.
  const stale = await staleOnes((f) => readFile(join(dir, f), "utf8"));

  // The unmutated tests must pass, or a "caught" would mean nothing.
  const testArgs = (m: Mutant) => [...(m.filter ? ["-t", m.filter] : []), ...m.tests];
  const isStale = (m: Mutant) => stale.some((s) => s.startsWith(`${m.id}:`));
  const baselines = new Map(
    mutants.filter((m) => !isStale(m)).map((m) => [JSON.stringify(testArgs(m)), testArgs(m)]),
  );
  const needsBinary = mutants.some((m) => m.build && !isStale(m));
  if (needsBinary && (await run(BUN, ["scripts/build.ts"], dir, 300_000)).code !== 0) {
    throw new Error("Cannot build the binary in the copy");
  }
  const broken: string[] = [];
  for (const args of baselines.values()) {
    const r = await run(BUN, ["test", "--timeout", String(LIMIT_MS), ...args], dir);
    if (r.code !== 0) {
      broken.push(
        `bun test ${args.join(" ")}: ${
          r.code === "timeout" ? "timed out" : "fails"
        } without any mutant\n${r.out}`,
      );
    }
  }
  if (broken.length) {
    throw new Error(
      `Cannot score mutants: these tests fail on the unmutated copy; fix them first:\n${
        broken.join("\n")
      }`,
    );
  }

  const rows: { m: Mutant; result: string; s: number }[] = [];
  for (const m of mutants) {
    if (isStale(m)) {
      rows.push({ m, result: "STALE", s: 0 });
      continue;
    }
    const path = join(dir, m.file);
    const original = await readFile(path, "utf8");
    await writeFile(path, original.replace(m.find, () => m.replace));
    const t0 = Date.now();
    try {
      if (m.build && (await run(BUN, ["scripts/build.ts"], dir, 300_000)).code !== 0) {
        rows.push({ m, result: "caught (build fails)", s: (Date.now() - t0) / 1000 });
        continue;
      }
      const r = await run(BUN, ["test", "--timeout", String(LIMIT_MS), ...testArgs(m)], dir);
      rows.push({
        m,
        result: r.code === 0 ? "SURVIVED" : r.code === "timeout" ? "caught (timeout)" : "caught",
        s: (Date.now() - t0) / 1000,
      });
    } finally {
      await writeFile(path, original);
      if (m.build) await run(BUN, ["scripts/build.ts"], dir, 300_000);
    }
    process.stderr.write(`${rows.at(-1)!.result.padEnd(20)} ${m.id}\n`);
  }

  const width = Math.max(...rows.map((r) => r.m.id.length), 2);
  console.log(`\n${"id".padEnd(width)}  ${"result".padEnd(20)}  ${"secs".padStart(5)}  why`);
  for (const r of rows) {
    console.log(
      `${r.m.id.padEnd(width)}  ${r.result.padEnd(20)}  ${r.s.toFixed(1).padStart(5)}  ${r.m.why}`,
    );
  }
  const scored = rows.filter((r) => r.result !== "STALE");
  const caught = scored.filter((r) => r.result.startsWith("caught")).length;
  console.log(
    `\ncaught ${caught}/${scored.length} (${
      scored.length ? ((100 * caught) / scored.length).toFixed(1) : "0.0"
    } %)`,
  );
  for (const r of rows.filter((x) => x.result === "SURVIVED")) {
    console.log(`survived: ${r.m.id} (${r.m.file}): ${r.m.why}`);
  }
  // A catch that needed the whole limit is a hang: the rule is that every bug fails its tests fast.
  const slow = rows.filter((x) => x.result === "caught (timeout)");
  for (const r of slow) console.log(`hung to the ${LIMIT_MS / 1000} s limit: ${r.m.id}`);
  const catches = scored.filter((r) => r.result.startsWith("caught"));
  const slowest = catches.reduce((a, b) => (b.s > a.s ? b : a), catches[0]!);
  if (slowest) console.log(`slowest catch: ${slowest.m.id} ${slowest.s.toFixed(1)} s`);
  for (const s of stale) console.log(`stale: ${s}`);
  process.exitCode = stale.length || slow.length ? 1 : 0;
} finally {
  if (keep) process.stderr.write(`kept ${dir}\n`);
  else await rm(dir, { recursive: true, force: true });
}
