import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { formatCount, quote, QUOTE_MAX } from '../errors.js';
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

/** YAML errors shown for one file: the first few say what is wrong, more would bury them. */
const MAX_YAML_ERRORS = 3;

/**
 * A YAML library message with the file's text in it bounded: some end in a JSON-quoted stretch of
 * the source (which may be megabytes), others name a tag or directive as written.
 */
function boundedYamlMessage(message: string): string {
  const quoted = /^(.*?: )("(?:[^"\\]|\\.)*")$/s.exec(message);
  if (quoted) {
    try {
      return `${quoted[1]}${quote(JSON.parse(quoted[2]!) as string)}`;
    } catch {
      // Not JSON after all: cut as any other message.
    }
  }
  return message.length > 2 * QUOTE_MAX ? `${message.slice(0, 2 * QUOTE_MAX)}…` : message;
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

  // A file that is not YAML at all (random bytes, a binary) has an error every few lines: the
  // first few say what is wrong, thousands would bury them.
  const diagnostics: Diagnostic[] = doc.errors.slice(0, MAX_YAML_ERRORS).map((error) => {
    const { line, col } = position(error.pos[0]);
    // The library's first line says what is wrong; the rest is a code frame we already place.
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    return { severity: 'error', file, line, col, path: '', message: `invalid YAML: ${boundedYamlMessage(message)}` };
  });
  const more = doc.errors.length - MAX_YAML_ERRORS;
  if (more > 0) {
    const { line, col } = position(doc.errors[MAX_YAML_ERRORS]!.pos[0]);
    const message = `invalid YAML: and ${formatCount(more)} more YAML error${more === 1 ? '' : 's'} after these; is this a schedule file?`;
    diagnostics.push({ severity: 'error', file, line, col, path: '', message });
  }
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
