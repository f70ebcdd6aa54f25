// A pattern's test() in time linear in the subject: the pattern compiled to a small program and run
// as a set of threads (Thompson's construction, Pike's VM), so no subject makes it backtrack.
// JavaScript's own engine backtracks: "^.*a.*a.*a.*a$" takes minutes on 2,000 characters,
// "^(a|a)*$" and "^(a+){1,40}$" hours on 40 — patterns the nested-repetition check lets through.
// Single characters (".", "[…]", "\d", "\p{L}", a literal) are still tested by a native RegExp of
// that one atom, so their meaning is exactly JavaScript's. Unicode mode ("u", what ajv passes)
// only; a lookaround or backreference is `Unsupported` (the caller falls back to the native engine).

export class Unsupported extends Error {}
export class TooLarge extends Error {}

/** Program size past which a pattern is refused: every subject character costs one pass over it. */
export const MAX_PROGRAM = 5000;

type Op =
  | { op: "char"; test: (c: string) => boolean }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "assert"; kind: string }
  | { op: "match" };

type Node =
  | { t: "char"; test: (c: string) => boolean }
  | { t: "assert"; kind: string }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; alts: Node[] }
  | { t: "rep"; node: Node; min: number; max: number };

const WORD = /[A-Za-z0-9_]/;

/** The pattern as a syntax tree; `src` has passed `new RegExp(src, "u")` already. */
function parse(src: string): Node {
  let i = 0;
  const atoms = new Map<string, (c: string) => boolean>();
  const one = (atom: string) => {
    let test = atoms.get(atom);
    if (!test) {
      const rx = new RegExp(`^(?:${atom})$`, "u");
      atoms.set(atom, test = (c) => rx.test(c));
    }
    return { t: "char" as const, test };
  };
  /** Index just past the "}" that closes the brace at `from`. */
  const past = (from: number) => src.indexOf("}", from) + 1;

  function escape(): Node {
    const c = src[i + 1]!;
    if (c === "b" || c === "B") return (i += 2), { t: "assert", kind: c };
    if (/[1-9k]/.test(c)) throw new Unsupported("a backreference");
    let end = i + 2;
    if ((c === "u" || c === "p" || c === "P") && src[i + 2] === "{") end = past(i + 2);
    else if (c === "u") end = i + 6;
    else if (c === "x") end = i + 4;
    else if (c === "c") end = i + 3;
    const atom = src.slice(i, end);
    i = end;
    return one(atom);
  }

  function primary(): Node {
    const c = src[i]!;
    if (c === "(") {
      i++;
      if (src[i] === "?") {
        if (src[i + 1] === ":") i += 2;
        else if (src[i + 1] === "<" && !/[=!]/.test(src[i + 2]!)) i = src.indexOf(">", i) + 1;
        else throw new Unsupported("a lookaround");
      }
      const inner = alternation();
      i++; // ")"
      return inner;
    }
    if (c === "^" || c === "$") return (i++), { t: "assert", kind: c };
    if (c === "\\") return escape();
    if (c === "[") {
      const start = i++;
      while (src[i] !== "]") i += src[i] === "\\" ? 2 : 1;
      return one(src.slice(start, ++i));
    }
    if (c === ".") return (i++), one(".");
    const ch = String.fromCodePoint(src.codePointAt(i)!);
    i += ch.length;
    return { t: "char", test: (x) => x === ch };
  }

  function quantified(node: Node): Node {
    const m = /^(?:([*+?])|\{(\d+)(?:(,)(\d*))?\})\??/.exec(src.slice(i));
    if (!m) return node;
    i += m[0].length;
    // Counts are copies in the program, and an empty group's copies cost nothing to make.
    if (Number(m[2] ?? 0) > MAX_PROGRAM || Number(m[4] || 0) > MAX_PROGRAM) throw new TooLarge();
    const [min, max] = m[1] === "*"
      ? [0, Infinity]
      : m[1] === "+"
      ? [1, Infinity]
      : m[1] === "?"
      ? [0, 1]
      : [Number(m[2]), m[3] === undefined ? Number(m[2]) : m[4] ? Number(m[4]) : Infinity];
    return { t: "rep", node, min, max };
  }

  function alternation(): Node {
    const alts: Node[] = [];
    do {
      const items: Node[] = [];
      while (i < src.length && src[i] !== "|" && src[i] !== ")") items.push(quantified(primary()));
      alts.push({ t: "seq", items });
    } while (src[i] === "|" && ++i);
    return alts.length === 1 ? alts[0]! : { t: "alt", alts };
  }

  return alternation();
}

/** The tree as a program; TooLarge past MAX_PROGRAM instructions. */
function compile(root: Node): Op[] {
  const prog: Op[] = [];
  const emit = (op: Op) => {
    if (prog.length >= MAX_PROGRAM) throw new TooLarge();
    return prog.push(op) - 1;
  };
  const split = () => emit({ op: "split", x: 0, y: 0 }) as number;
  const gen = (n: Node): void => {
    if (n.t === "char") emit({ op: "char", test: n.test });
    else if (n.t === "assert") emit({ op: "assert", kind: n.kind });
    else if (n.t === "seq") n.items.forEach(gen);
    else if (n.t === "alt") {
      const jumps: number[] = [];
      n.alts.forEach((a, k) => {
        const s = k < n.alts.length - 1 ? split() : -1;
        if (s >= 0) prog[s] = { op: "split", x: s + 1, y: 0 };
        gen(a);
        if (s >= 0) {
          jumps.push(emit({ op: "jmp", x: 0 }));
          (prog[s] as { y: number }).y = prog.length;
        }
      });
      for (const j of jumps) prog[j] = { op: "jmp", x: prog.length };
    } else {
      for (let k = 0; k < n.min; k++) gen(n.node);
      if (n.max === Infinity) {
        const s = split();
        gen(n.node);
        emit({ op: "jmp", x: s });
        prog[s] = { op: "split", x: s + 1, y: prog.length };
      } else {
        const exits: number[] = [];
        for (let k = n.min; k < n.max; k++) {
          exits.push(split());
          gen(n.node);
        }
        for (const s of exits) prog[s] = { op: "split", x: s + 1, y: prog.length };
      }
    }
  };
  gen(root);
  emit({ op: "match" });
  return prog;
}

/** A linear-time tester for `src` ("u" mode); Unsupported for lookarounds and backreferences.
 * `charge` is told the threads alive at each character: the work, for a caller's budget. */
export function linearRegExp(
  src: string,
  charge: (threads: number) => void = () => {},
): { test(s: string): boolean } {
  new RegExp(src, "u"); // its syntax errors are JavaScript's own
  const prog = compile(parse(src));
  return {
    test(s: string): boolean {
      const chars = Array.from(s);
      const seen = new Int32Array(prog.length).fill(-1);
      let now: number[] = [];
      /** Add `pc` and what it reaches without reading a character, at position `p`. */
      const add = (list: number[], start: number, p: number): boolean => {
        const stack = [start];
        while (stack.length) {
          const pc = stack.pop()!;
          if (seen[pc] === p) continue;
          seen[pc] = p;
          const o = prog[pc]!;
          if (o.op === "match") return true;
          if (o.op === "char") list.push(pc);
          else if (o.op === "jmp") stack.push(o.x);
          else if (o.op === "split") stack.push(o.y, o.x);
          else if (holds(o.kind, chars, p)) stack.push(pc + 1);
        }
        return false;
      };
      for (let p = 0; p <= chars.length; p++) {
        if (add(now, 0, p)) return true; // a match may start at any position
        if (p === chars.length) break;
        charge(now.length);
        const next: number[] = [];
        for (const pc of now) {
          const o = prog[pc] as { test(c: string): boolean };
          if (o.test(chars[p]!) && add(next, pc + 1, p + 1)) return true;
        }
        now = next;
      }
      return false;
    },
  };
}

function holds(kind: string, chars: string[], p: number): boolean {
  if (kind === "^") return p === 0;
  if (kind === "$") return p === chars.length;
  const before = p > 0 && WORD.test(chars[p - 1]!);
  const after = p < chars.length && WORD.test(chars[p]!);
  return (before !== after) === (kind === "b");
}
