import type * as z from 'zod';
import { expectedFormAt, keysAt } from './schema.js';
import type { Source } from './source.js';
import type { Diagnostic } from './diagnostics.js';

/**
 * Turns schema issues into diagnostics that teach: each names the field, says what was found, and
 * quotes the expected form from the schema's own descriptions.
 */
export function schemaDiagnostics(
  source: Source,
  root: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  value: unknown,
  prefix: readonly PropertyKey[] = [],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const full = [...prefix, ...path];
    const form = expectedFormAt(root, path);
    const expected = form ? `expected ${form}` : issue.message;
    const found = valueAt(value, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = keysAt(root, path);
        for (const key of issue.keys) {
          const guess = closest(key, allowed);
          const hint = guess ? `did you mean '${guess}'?` : `allowed keys: ${allowed.join(', ')}`;
          out.push(source.at([...full, key], `unknown key '${key}'; ${hint}`, { key: true }));
        }
        break;
      }
      case 'invalid_type':
        out.push(source.at(full, found === undefined ? `is required; ${expected}` : `got ${describe(found)}; ${expected}`));
        break;
      case 'too_small':
        out.push(source.at(full, `is empty; ${expected}`));
        break;
      case 'invalid_format':
        out.push(source.at(full, `'${String(found)}' does not fit; ${expected}`));
        break;
      default:
        out.push(source.at(full, `got ${describe(found)}; ${expected}`));
    }
  }
  return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** A short description of what a YAML value turned out to be. */
export function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `text '${value}'`;
  if (typeof value === 'boolean') return `${value}`;
  // What is left (number, bigint, undefined; symbol and function, which YAML never gives) has a String() of its own.
  const rest = value as number | bigint | undefined | symbol | (() => unknown);
  return `${typeof rest} ${String(rest)}`;
}

/** The allowed word nearest to a misspelt one, when it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === word.toLowerCase() ? 0 : levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
