// The exit report of an agent on a remote engine (ship-capture.ts): a /bin/sh wrapper around the
// command checks before it runs that the dirs which were not copied in (they went empty) are
// usable dirs of the image, and says after it ran which of the dirs that went in empty changed,
// as one last stderr line marked with a per-run nonce: "\n<nonce> need<0|1 per dir>\n"
// (and nothing ran) or "\n<nonce> done<0|1 per dir>\n". The server strips every such line from
// the stream before it reaches stderr.log. The agent can read the nonce (/proc) and forge a
// report: it then only loses its own files (a dir reported empty is not copied back), or nothing
// with "need" (that counts only when no "done" came and the container exited 125, and the rerun
// copies the dirs in).

/** The wrapper's sh script: `check` are the dirs that were not copied in, `watch` the writable
 * ones that went in empty or not at all (container paths, absolute, from the core). Changed means
 * newer than `since`: Docker writes /etc/hostname as it starts the container, after any copy in
 * (whose files carry time 0) and well before the command (the image's own files are older). */
export function reportScript(
  nonce: string,
  check: string[],
  watch: string[],
  since = "/etc/hostname",
): string {
  const list = (dirs: string[]) => dirs.map((d) => `'${d.replaceAll("'", `'\\''`)}'`).join(" ");
  const say = (what: string) => `printf '\\n${nonce} ${what}\\n'`;
  const usable = `[ -d "$d" ] && [ -r "$d" ] && [ -w "$d" ] && [ -x "$d" ]`;
  const newer = (dirs: string) => `[ -z "$(find ${dirs} -newer "$m" 2>/dev/null | head -n 1)" ]`;
  return [
    `n=; for d in ${list(check)}; do if ${usable}; then n=\${n}0; else n=\${n}1; fi; done`,
    `case $n in *1*) ${say("need%s")} "$n" >&2; exit 125;; esac`,
    `"$@"; c=$?; r=`,
    // One find for all (a no-op's case), one per dir only when something changed. Without the
    // tools or the reference everything counts as changed, and so does a dir it cannot read.
    `m=${
      list([since])
    }; [ -e "$m" ] && command -v find >/dev/null && command -v head >/dev/null || m=`,
    `u=$m; for d in ${list(watch)}; do [ -r "$d" ] && [ -x "$d" ] || u=; done`,
    `if [ -n "$u" ] && ${newer(list(watch))}; then r=${"0".repeat(watch.length)}; else`,
    `  for d in ${list(watch)}; do if [ -n "$m" ] && [ -r "$d" ] && [ -x "$d" ] && ${
      newer(`"$d"`)
    }; then r=\${r}0; else r=\${r}1; fi; done`,
    `fi; ${say("done%s")} "$r" >&2; exit $c`,
  ].join("\n");
}

const MAX_BODY = 64; // "need" or "done" and one digit per dir (a handful)
/** Reports kept, the latest: the wrapper's own comes last, and an agent that knows the nonce could
 * otherwise print a gigabyte of them into the server's memory. */
const MAX_REPORTS = 16;

export interface ReportStripper {
  /** The stderr bytes to write for this chunk (a possible report's start is held back). */
  push(chunk: Uint8Array): Uint8Array;
  /** What was held back, at the end of the stream. */
  end(): Uint8Array;
  /** The bodies of the reports seen, in order ("need", "done01"). */
  reports: string[];
}

/** Removes the nonce's report lines from a stream, holding back at most a report's length. */
export function reportStripper(nonce: string): ReportStripper {
  const mark = Buffer.from(`\n${nonce} `);
  let held = Buffer.alloc(0);
  const reports: string[] = [];
  return {
    reports,
    push(chunk) {
      let buf = held.length ? Buffer.concat([held, chunk]) : Buffer.from(chunk);
      const out: Buffer[] = [];
      for (;;) {
        const i = buf.indexOf(mark);
        if (i < 0) break;
        const nl = buf.indexOf(0x0a, i + mark.length);
        const body = (nl < 0 ? buf.length : nl) - i - mark.length;
        if (body > MAX_BODY) { // not a report: keep the newline, look further
          out.push(buf.subarray(0, i + 1));
          buf = buf.subarray(i + 1);
          continue;
        }
        if (nl < 0) { // maybe a report cut by the chunk: wait for the rest
          held = Buffer.from(buf.subarray(i));
          return Buffer.concat([...out, buf.subarray(0, i)]);
        }
        reports.push(buf.subarray(i + mark.length, nl).toString("latin1"));
        if (reports.length > MAX_REPORTS) reports.shift();
        out.push(buf.subarray(0, i));
        buf = buf.subarray(nl + 1);
      }
      const keep = Math.min(buf.length, mark.length - 1); // could be the start of a mark
      held = Buffer.from(buf.subarray(buf.length - keep));
      return Buffer.concat([...out, buf.subarray(0, buf.length - keep)]);
    },
    end() {
      const rest = held;
      held = Buffer.alloc(0);
      return rest;
    },
  };
}

/** What the reports say: the last "done" (whether each watched dir holds something), else
 * which checked dirs the image lacks ("need", one flag per checked dir). */
export function readReports(
  reports: string[],
  check: number,
  watch: number,
): { holds?: boolean[]; missing?: boolean[] } {
  const flags = (r: string, word: string) => [...r.slice(word.length)].map((c) => c !== "0");
  const last = (word: string, n: number) =>
    reports.filter((r) => r.startsWith(word) && r.length === word.length + n).at(-1);
  const done = last("done", watch);
  if (done !== undefined) return { holds: flags(done, "done") };
  const need = last("need", check);
  return need === undefined ? {} : { missing: flags(need, "need") };
}
