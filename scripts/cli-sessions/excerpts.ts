/**
 * Other docs quote the recorded sessions (docs/runbooks.md). A quoted block is marked with
 * `<!-- excerpt of cli-sessions.md -->` on the line before its fence; every line in it must be a
 * line of the recorded sessions, except `…`, which marks what the excerpt leaves out. So an
 * excerpt can shorten a session but never drift from it.
 */
export const EXCERPT_MARKER = "<!-- excerpt of cli-sessions.md -->";

export interface StaleLine {
  /** 1-based line number in the quoting document. */
  line: number;
  text: string;
}

/** The excerpt lines of `doc` that the recorded sessions do not contain (and a count of excerpts). */
export function staleExcerptLines(doc: string, sessions: string): { excerpts: number; stale: StaleLine[] } {
  const known = new Set(sessions.split("\n"));
  const lines = doc.split("\n");
  const stale: StaleLine[] = [];
  let excerpts = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== EXCERPT_MARKER) continue;
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
