import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { formatPath } from './diagnostics.js';

/**
 * A YAML file parsed with positions, so every finding can name file:line:col.
 * Parsing never throws: YAML errors become diagnostics.
 */
export interface Source {
  readonly file: string;
  /** The plain data; undefined when the YAML did not parse. */
  readonly value: unknown;
  readonly diagnostics: Diagnostic[];
  /** The position of the node at `path` (or of its key, with `key: true`), or of its nearest parent. */
  locate(path: readonly PropertyKey[], options?: { key?: boolean }): { line: number; col: number };
  /** An error or warning at a path, positioned. */
  at(path: readonly PropertyKey[], message: string, options?: { key?: boolean; severity?: 'error' | 'warning' }): Diagnostic;
}

export function parseSource(file: string, text: string): Source {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, col };
  };
  const locate: Source['locate'] = (path, options = {}) => {
    let node: unknown = doc.contents;
    let found = position(0);
    if (node && (node as Node).range) found = position((node as Node).range![0]);
    for (let i = 0; i < path.length; i++) {
      const key = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (last && options.key && keyNode.range) return position(keyNode.range[0]);
        node = pair.value;
        const target = (node as Node | null)?.range ? (node as Node) : keyNode;
        if (target.range) found = position(target.range[0]);
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (!node) break;
        if ((node as Node).range) found = position((node as Node).range![0]);
      } else break;
    }
    return found;
  };
  const at: Source['at'] = (path, message, options = {}) => ({
    severity: options.severity ?? 'error',
    file,
    ...locate(path, options),
    path: formatPath(path),
    message,
  });

  const diagnostics: Diagnostic[] = doc.errors.map((error) => {
    const { line, col } = position(error.pos[0]);
    // The library's first line says what is wrong; the rest is a code frame we already place.
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    return { severity: 'error', file, line, col, path: '', message: `invalid YAML: ${message}` };
  });
  let value: unknown;
  if (diagnostics.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      diagnostics.push({ severity: 'error', file, line: 1, col: 1, path: '', message: `invalid YAML: ${(error as Error).message}` });
    }
  }
  return { file, value, diagnostics, locate, at };
}
