// The remote engine's exit report (src/plugins/docker/ship-report.ts): the wrapper script run by
// this machine's /bin/sh, and the stripper that takes its nonce-marked lines out of stderr however
// the stream is cut, keeping every other byte.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { readReports, reportScript, reportStripper } from "../../src/plugins/docker/ship-report.ts";

const NONCE = "0123456789abcdef0123456789abcdef";
const which = (tool: string) =>
  new Promise<string>((resolve, reject) =>
    execFile("sh", ["-c", `command -v ${tool}`], (e, out) => (e ? reject(e) : resolve(out.trim())))
  );
/** The reference "changed" is judged against (Docker's /etc/hostname in a container): 2021. */
let SINCE = "";

/** Run the wrapper around `cmd` (dirs: checked and watched both); stdin "in". */
function wrap(
  dirs: string[],
  cmd: string,
  watch = dirs,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = execFile(
      "/bin/sh",
      ["-c", reportScript(NONCE, dirs, watch, SINCE), "swarm-ship", "sh", "-c", cmd],
      (e, out, err) => resolve({ code: (e as { code?: number } | null)?.code ?? 0, out, err }),
    );
    p.stdin!.on("error", () => {}).end("in"); // "need" exits before reading it
  });
}

/** Push `text` through a stripper cut at the given offsets. */
function strip(text: string, cuts: number[]): { out: string; reports: string[] } {
  const s = reportStripper(NONCE);
  const buf = Buffer.from(text);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts, buf.length]) {
    parts.push(s.push(buf.subarray(at, c)));
    at = c;
  }
  parts.push(s.end());
  return { out: Buffer.concat(parts).toString(), reports: s.reports };
}

describe("the remote engine's exit report", () => {
  before(async () => {
    const d = await mkdtemp(join(tmpdir(), "swarm-report-since-"));
    SINCE = join(d, "hostname");
    await writeFile(SINCE, "x");
    await utimes(SINCE, new Date("2021-01-01"), new Date("2021-01-01"));
  });
  after(() => rm(dirname(SINCE), { recursive: true, force: true }));

  it("the wrapper runs the command with its stdin and exit code, then says which dirs changed", async () => {
    const root = await mkdtemp(join(tmpdir(), "swarm-report-"));
    try {
      const names = ["untouched", "empty", "written", "deep", "linked", "backdated", "locked"];
      const [untouched, empty, written, deep, linked, backdated, locked] = names.map((d) =>
        join(root, d)
      ) as [string, string, string, string, string, string, string];
      for (const d of names) await mkdir(join(root, d, "sub"), { recursive: true });
      await writeFile(join(untouched, "sub", "old"), "x"); // the image's own files: older
      const old = new Date("2020-01-01");
      for (
        const p of [
          join(untouched, "sub", "old"),
          ...names.flatMap((d) => [join(root, d, "sub"), join(root, d)]),
        ]
      ) {
        await utimes(p, old, old);
      }
      await chmod(locked, 0o300);
      const cmd = [
        `cat; echo oops >&2`,
        `echo x > ${written}/new`,
        `echo y >> ${deep}/sub/f`,
        `ln -s /nowhere ${linked}/dangling`,
        `touch -d @0 ${backdated}/old; touch -d @0 ${backdated}/sub`,
        `exit 7`,
      ].join("; ");
      const r = await wrap(names.map((d) => join(root, d)), cmd);
      assert.equal(r.code, 7);
      assert.equal(r.out, "in");
      // locked: unreadable (unless we are root), so it counts as changed.
      const asRoot = process.getuid?.() === 0;
      assert.equal(r.err, `oops\n\n${NONCE} done0011111\n`.replace(/1\n$/, asRoot ? "0\n" : "1\n"));
      const s = strip(r.err, []);
      assert.equal(s.out, "oops\n");
      assert.deepEqual(readReports(s.reports, 7, 7).holds?.slice(0, 6), [
        false,
        false,
        true,
        true,
        true,
        true,
      ]);
      // Dirs copied in are not checked, only watched.
      const w = await wrap([], `echo > ${empty}/a`, [untouched, empty]);
      assert.equal(w.err, `\n${NONCE} done01\n`);
      await chmod(locked, 0o700);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("without find or head in the image, every dir counts as changed", async () => {
    const root = await mkdtemp(join(tmpdir(), "swarm-report-"));
    try {
      const bin = join(root, "bin");
      await mkdir(bin);
      await utimes(root, new Date("2020-01-01"), new Date("2020-01-01"));
      for (const keep of ["find", "head"]) {
        // A PATH with only sh and one of the two tools: the other is missing.
        await rm(bin, { recursive: true, force: true });
        await mkdir(bin);
        for (const t of ["sh", keep]) await symlink(await which(t), join(bin, t));
        const r = await new Promise<string>((resolve) => {
          const p = execFile(
            join(bin, "sh"),
            ["-c", reportScript(NONCE, [], [root], SINCE), "swarm-ship", "true"],
            { env: { PATH: bin } },
            (_e, _out, err) => resolve(err),
          );
          p.stdin!.end();
        });
        assert.equal(r, `\n${NONCE} done1\n`, `with ${keep} only`);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("says which dirs it needs and runs nothing when a dir is missing or not usable", async () => {
    const root = await mkdtemp(join(tmpdir(), "swarm-report-"));
    try {
      const r = await wrap([root, join(root, "missing")], "echo ran");
      assert.deepEqual([r.code, r.out, r.err], [125, "", `\n${NONCE} need01\n`]);
      const locked = join(root, "locked");
      await mkdir(locked);
      await chmod(locked, 0o500);
      // root may write anyway: only then is the dir usable
      const asRoot = process.getuid?.() === 0;
      const l = await wrap([locked], "echo ran");
      assert.equal(l.out, asRoot ? "ran\n" : "", JSON.stringify(l));
      const q = join(root, "it's");
      await mkdir(q);
      await utimes(q, new Date("2020-01-01"), new Date("2020-01-01"));
      assert.equal((await wrap([q], "true")).err, `\n${NONCE} done0\n`); // quoted in the script
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("strips every report line however the stream is cut, and keeps everything else", () => {
    const text = `a\nb\n${NONCE} done1x\nc\n${NONCE} ${"z".repeat(80)}\nd\n${NONCE} done01\n`;
    const want = `a\nbc\n${NONCE} ${"z".repeat(80)}\nd`;
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, i + 1, i + 7, i + 40]) {
        const s = strip(text, [i, Math.min(j, text.length)].sort((x, y) => x - y));
        assert.equal(s.out, want, `cut at ${i}, ${j}`);
        assert.deepEqual(s.reports, ["done1x", "done01"], `cut at ${i}, ${j}`);
      }
    }
    // An unfinished report at the end is output, not a report.
    assert.deepEqual(strip(`x\n${NONCE} done`, [3]), { out: `x\n${NONCE} done`, reports: [] });
  });

  it("keeps only the latest reports: a flood of forged ones does not grow the server's memory", () => {
    const s = reportStripper(NONCE);
    const flood = Buffer.from(`\n${NONCE} done1\n`.repeat(2000));
    for (let i = 0; i < 50; i++) assert.equal(s.push(flood).length, 0);
    s.push(Buffer.from(`\n${NONCE} done0\n`));
    assert.ok(s.reports.length <= 16, `${s.reports.length} reports held`);
    assert.deepEqual(readReports(s.reports, 0, 1), { holds: [false] }, "the last one still wins");
  });

  it("the last done wins; need counts only without one; a report of the wrong length is ignored", () => {
    assert.deepEqual(readReports(["done0", "need1", "done1"], 1, 1), { holds: [true] });
    assert.deepEqual(readReports(["done0", "need1"], 1, 1), { holds: [false] });
    assert.deepEqual(readReports(["need10"], 2, 3), { missing: [true, false] });
    assert.deepEqual(readReports(["done00", "need1"], 2, 1), {});
    assert.deepEqual(readReports([], 2, 2), {});
  });
});
