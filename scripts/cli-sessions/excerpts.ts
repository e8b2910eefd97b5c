/**
 * Docs quote generated output: docs/runbooks.md and the README quote the recorded sessions
 * (docs/cli-sessions.md), and the README quotes what scripts/api-examples.ts prints. A quoted block
 * is marked with `<!-- excerpt of <source> -->` on the line before its fence, naming what it
 * quotes; every line in it must be a line of that source's output, except `…`, which marks what
 * the excerpt leaves out. So an excerpt can shorten the output but never drift from it.
 * Commentary belongs in the prose around the block, not in it.
 */

/** The marker for a block quoting `source`'s output, e.g. `<!-- excerpt of scripts/api-examples.ts -->`. */
export function excerptMarker(source: string): string {
  return `<!-- excerpt of ${source} -->`;
}

/** The marker for a block quoting the recorded drctl sessions. */
export const EXCERPT_MARKER = excerptMarker("cli-sessions.md");

export interface StaleLine {
  /** 1-based line number in the quoting document. */
  line: number;
  text: string;
}

/**
 * The lines of the blocks in `doc` marked with `marker` that `output` does not contain (and a count
 * of those blocks). Blocks marked for another source are ignored. `marker` defaults to the
 * recorded sessions' marker.
 */
export function staleExcerptLines(doc: string, output: string, marker: string = EXCERPT_MARKER): { excerpts: number; stale: StaleLine[] } {
  const known = new Set(output.split("\n"));
  const lines = doc.split("\n");
  const stale: StaleLine[] = [];
  let excerpts = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== marker) continue;
    const open = /^(`{3,})/.exec(lines[i + 1] ?? "");
    if (!open) {
      stale.push({ line: i + 2, text: "(the excerpt marker must be followed by a code fence)" });
      continue;
    }
    excerpts += 1;
    let j = i + 2;
    for (; j < lines.length && lines[j] !== open[1]; j++) {
      if (lines[j].trim() !== "…" && !known.has(lines[j])) stale.push({ line: j + 1, text: lines[j] });
    }
    i = j;
  }
  return { excerpts, stale };
}
