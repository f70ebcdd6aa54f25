// untar: what an agent's archive may and may not do when it is copied back from a remote engine
// (the archive is agent-made: it may name ../ paths, absolute paths, links out, or be huge).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { tar, type TarEntry } from "../../src/plugins/docker/tar.ts";
import { untar } from "../../src/plugins/docker/untar.ts";

const run = promisify(execFile);
const LIMITS = { maxBytes: 1 << 20, maxEntries: 100 };

/** A tar whose entry i gets typeflag types[i] and link name links[i] (patched into the header). */
function archive(entries: TarEntry[], patch: Record<number, { type: string; link?: string }> = {}) {
  const bytes = tar(entries);
  let off = 0;
  entries.forEach((e, i) => {
    const p = patch[i];
    if (p) {
      bytes[off + 156] = p.type.charCodeAt(0);
      bytes.set(new TextEncoder().encode(p.link ?? ""), off + 157);
    }
    const size = typeof e.data === "string" ? e.data.length : (e.data?.length ?? 0);
    off += 512 + Math.ceil(size / 512) * 512;
  });
  return bytes;
}

/** A pax header ("x") naming `path` for the entry after it. */
const pax = (path: string): TarEntry[] => {
  const rec = (n: number) => `${n} path=${path}\n`;
  let n = rec(0).length;
  while (rec(n).length !== n) n = rec(n).length;
  return [{ name: "PaxHeaders/x", data: rec(n) }];
};

/** A pax header ("x") holding `records` as "<length> <key>=<value>\n", lengths in bytes. */
function paxHeader(records: Record<string, string>): TarEntry {
  const rec = (k: string, v: string) => {
    const text = (n: number) => `${n} ${k}=${v}\n`;
    let n = 0;
    while (Buffer.byteLength(text(n)) !== n) n = Buffer.byteLength(text(n));
    return text(n);
  };
  return {
    name: "PaxHeaders/x",
    data: Object.entries(records).map(([k, v]) => rec(k, v)).join(""),
  };
}

async function unpack(bytes: Uint8Array, limits = LIMITS, into?: string) {
  const dest = into ?? await mkdtemp(join(tmpdir(), "swarm-untar-"));
  const r = await untar(Readable.from([Buffer.from(bytes)]), dest, limits, "/output");
  return { dest, r };
}

describe("untar of an agent's archive", () => {
  it("unpacks files and dirs below the archive's top dir", async () => {
    const { dest, r } = await unpack(archive([
      { name: "output/" },
      { name: "output/a.txt", data: "alpha" },
      { name: "output/d/" },
      { name: "output/d/b.txt", data: "beta" },
    ]));
    assert.equal(await readFile(join(dest, "a.txt"), "utf8"), "alpha");
    assert.equal(await readFile(join(dest, "d", "b.txt"), "utf8"), "beta");
    assert.deepEqual(r, { files: 2, bytes: 9, skippedLinks: 0 });
  });

  for (
    const [what, entries] of [
      ["a ../ name", [{ name: "output/../../escape.txt", data: "x" }]],
      ["an absolute name", [{ name: "/tmp/escape.txt", data: "x" }]],
      ["a pax path that climbs out", [...pax("output/../../escape.txt"), {
        name: "output/ok.txt",
        data: "x",
      }]],
    ] as [string, TarEntry[]][]
  ) {
    it(`refuses ${what}`, async () => {
      const patch: Record<number, { type: string }> = what.startsWith("a pax")
        ? { 0: { type: "x" } }
        : {};
      await assert.rejects(
        unpack(archive(entries, patch)),
        /Cannot copy back \/output: the name .* leaves its dir; the agent's archive is refused/,
      );
    });
  }

  it("refuses hard links that point out; makes no symbolic link, wherever it points", async () => {
    for (const link of ["/etc/passwd", "../../etc/passwd", "output/../../x"]) {
      await assert.rejects(
        unpack(archive([{ name: "output/l" }], { 0: { type: "1", link } })),
        /points out of its dir/,
        link,
      );
    }
    const symlinks = ["target.txt", "/usr/bin/python3", "../../etc/passwd"];
    const { dest, r } = await unpack(archive([
      { name: "output/target.txt", data: "t" },
      ...symlinks.map((_, i) => ({ name: `output/s${i}` })),
      { name: "output/hard" },
    ], {
      ...Object.fromEntries(symlinks.map((link, i) => [i + 1, { type: "2", link }])),
      [symlinks.length + 1]: { type: "1", link: "output/target.txt" },
    }));
    assert.deepEqual((await readdir(dest)).sort(), ["hard", "target.txt"]);
    assert.equal(await readFile(join(dest, "hard"), "utf8"), "t", "a hard link's name is a copy");
    assert.ok((await lstat(join(dest, "hard"))).nlink === 1, "not a link on the host");
    assert.equal(r.skippedLinks, 3);
  });

  it("copies a hard link's file within the byte limit, never through a link in the destination", async () => {
    const twice = archive([
      { name: "output/a", data: "x".repeat(3000) },
      { name: "output/b" },
    ], { 1: { type: "1", link: "output/a" } });
    await assert.rejects(unpack(twice, { maxBytes: 4096, maxEntries: 10 }), /over 4096 bytes/);
    const dest = await mkdtemp(join(tmpdir(), "swarm-untar-"));
    const outside = join(await mkdtemp(join(tmpdir(), "swarm-untar-out-")), "secret");
    await writeFile(outside, "secret");
    await symlink(outside, join(dest, "planted"));
    const r = await untar(
      Readable.from([Buffer.from(archive([{ name: "output/b" }], {
        0: { type: "1", link: "output/planted" },
      }))]),
      dest,
      LIMITS,
      "/output",
    );
    assert.deepEqual((await readdir(dest)).sort(), ["planted"], "the link was not followed");
    assert.equal(r.skippedLinks, 1);
    // A link above the file (a repo checkout may hold one) is not passed through either.
    await symlink(dirname(outside), join(dest, "up"));
    await untar(
      Readable.from([Buffer.from(archive([{ name: "output/c" }], {
        0: { type: "1", link: "output/up/secret" },
      }))]),
      dest,
      LIMITS,
      "/output",
    );
    assert.deepEqual((await readdir(dest)).sort(), ["planted", "up"]);
    assert.ok((await lstat(join(dest, "up"))).isDirectory(), "the link above was replaced");
  });

  it("never writes through a link already in the destination: the agent's entry replaces it", async () => {
    const dest = await mkdtemp(join(tmpdir(), "swarm-untar-"));
    const outside = await mkdtemp(join(tmpdir(), "swarm-untar-out-"));
    await writeFile(join(outside, "kept"), "kept");
    await symlink(outside, join(dest, "d"));
    await mkdir(join(dest, "e"));
    await symlink(join(outside, "kept"), join(dest, "e", "f.txt"));
    await symlink(outside, join(dest, "g"));
    await link(join(outside, "kept"), join(dest, "h")); // a second name of a file outside
    const r = await untar(
      Readable.from([Buffer.from(archive([
        { name: "output/d/f.txt", data: "x" },
        { name: "output/e/f.txt", data: "y" },
        { name: "output/g", data: "z" },
        { name: "output/h", data: "w" },
      ]))]),
      dest,
      LIMITS,
      "/output",
    );
    assert.equal(r.files, 4);
    assert.deepEqual(await readdir(outside), ["kept"]);
    assert.equal(await readFile(join(outside, "kept"), "utf8"), "kept");
    assert.ok((await lstat(join(dest, "d"))).isDirectory());
    assert.equal(await readFile(join(dest, "d", "f.txt"), "utf8"), "x");
    assert.ok((await lstat(join(dest, "e", "f.txt"))).isFile());
    assert.equal(await readFile(join(dest, "e", "f.txt"), "utf8"), "y");
    assert.ok((await lstat(join(dest, "g"))).isFile());
    assert.equal(await readFile(join(dest, "h"), "utf8"), "w");
  });

  it("a file the agent made a dir, and a dir it made a file, come back as it left them", async () => {
    const dest = await mkdtemp(join(tmpdir(), "swarm-untar-"));
    await writeFile(join(dest, "a"), "was a file");
    await mkdir(join(dest, "d", "sub"), { recursive: true });
    await writeFile(join(dest, "d", "sub", "x"), "was in a dir");
    await unpack(
      archive([
        { name: "output/a/" },
        { name: "output/a/f", data: "in" },
        { name: "output/d", data: "now a file" },
      ]),
      LIMITS,
      dest,
    );
    assert.equal(await readFile(join(dest, "a", "f"), "utf8"), "in");
    assert.equal(await readFile(join(dest, "d"), "utf8"), "now a file");
  });

  it("stops at the byte and entry limits", async () => {
    const big = archive([{ name: "output/big", data: "x".repeat(5000) }]);
    await assert.rejects(unpack(big, { maxBytes: 4096, maxEntries: 10 }), /over 4096 bytes/);
    const many = archive(
      Array.from({ length: 12 }, (_, i) => ({ name: `output/f${i}`, data: "" })),
    );
    await assert.rejects(unpack(many, { maxBytes: 4096, maxEntries: 10 }), /over 10 entries/);
  });

  it("reads a pax record by its length: a name holding a newline cannot forge the entry's size", async () => {
    // Docker writes the name of a file as the agent made it; a line-by-line reader took the
    // name's second line for a record "size=0", then the file's content for the next headers.
    const name = "\u00e9\n9 size=0";
    const forged = tar([{ name: "output/forged.txt", data: "forged" }]);
    const { dest, r } = await unpack(archive([
      paxHeader({ path: `output/${name}` }),
      { name: "output/x", data: forged },
    ], { 0: { type: "x" } }));
    assert.deepEqual(await readdir(dest), [name]);
    assert.deepEqual(await readFile(join(dest, name)), Buffer.from(forged));
    assert.equal(r.files, 1);
  });

  it("refuses a pax size that is not a plain number, which would have undone the byte limit", async () => {
    const big = { name: "output/big", data: "x".repeat(8000) };
    for (const size of ["-100000", "NaN", "1e3", ""]) {
      await assert.rejects(
        unpack(
          archive([paxHeader({ size }), { name: "output/a" }, big], { 0: { type: "x" } }),
          { maxBytes: 4096, maxEntries: 10 },
        ),
        /Cannot copy back \/output: an entry has an unreadable size; the agent's archive is refused/,
        size,
      );
    }
  });

  it("counts the bodies of entries it skips, and bounds extended headers", async () => {
    const dirWithBody = archive([{ name: "output/d", data: "x".repeat(5000) }], {
      0: { type: "5" },
    });
    await assert.rejects(
      unpack(dirWithBody, { maxBytes: 4096, maxEntries: 10 }),
      /over 4096 bytes/,
    );
    const five = Array.from({ length: 5 }, () => paxHeader({ comment: "c" }));
    await assert.rejects(
      unpack(archive([...five, { name: "output/f", data: "" }], {
        0: { type: "x" },
        1: { type: "x" },
        2: { type: "x" },
        3: { type: "x" },
        4: { type: "x" },
      })),
      /over 4 extended headers or 1 MiB for an entry/,
    );
    await assert.rejects(
      unpack(archive([{ name: "PaxHeaders/x", data: "99 path=a\n" }, { name: "output/f" }], {
        0: { type: "x" },
      })),
      /an extended header is unreadable/,
    );
  });

  it("a full disk fails the copy back with a sentence, not a file cut short", async (t) => {
    const dest = await mkdtemp(join(tmpdir(), "swarm-untar-full-"));
    const mounted = await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dest]).then(
      () => true,
      () => false,
    );
    if (!mounted) return t.skip("no tmpfs mount here (needs root)");
    try {
      const e = await untar(
        Readable.from([Buffer.from(archive([{ name: "output/big", data: "x".repeat(200_000) }]))]),
        dest,
        LIMITS,
        "/output",
      ).then(() => assert.fail("written"), (e: Error) => e);
      assert.match(
        e.message,
        /^Cannot copy back \/output: ENOSPC \(.*\); this machine cannot write the agent's files there/,
      );
    } finally {
      await run("umount", [dest]);
    }
  });

  it("refuses an archive that ends inside a file", async () => {
    const cut = archive([{ name: "output/f", data: "y".repeat(2000) }]).subarray(0, 1024);
    await assert.rejects(unpack(cut), /truncated|ends inside/);
  });
});
