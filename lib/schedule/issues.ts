import { quote } from '../errors.js';
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
          out.push(source.at([...full, key], `unknown key ${quote(key)}; ${hint}`, { key: true }));
        }
        break;
      }
      case 'invalid_type':
        out.push(source.at(full, found === undefined ? `is required; ${expected}` : `got ${describe(found)}; ${expected}`));
        break;
      case 'invalid_key':
        // A map's key (a calendar's or an account's name), not its value: say so, and how names are written.
        out.push(
          source.at(
            full,
            `${quote(String(path[path.length - 1]))} is not a name here; names are lowercase letters, digits and '-', e.g. 'staging'`,
            { key: true },
          ),
        );
        break;
      case 'too_small':
      case 'too_big':
        // A number out of range shows itself; a list or text too short is empty (nothing else is
        // too small in the schema), and one too long is said as such.
        out.push(
          source.at(
            full,
            typeof found === 'number'
              ? `got ${describe(found)}; ${expected}`
              : issue.code === 'too_small'
                ? `is empty; ${expected}`
                : `is too long; ${expected}`,
          ),
        );
        break;
      case 'invalid_format':
        out.push(source.at(full, `${quote(String(found))} does not fit; ${expected}`));
        break;
      default:
        out.push(source.at(full, `got ${describe(found)}; ${expected}`));
    }
  }
  return out;
}

/**
 * A value with the parts schema issues point at cut out, so the rest can still be checked: one
 * pass then lists every error of a file, not only its first layer. Checks that a missing part would
 * trip ("no time zone" when the zone was misspelt) ask `present` or `hasUnknownKeys` first.
 */
export interface WellFormed<T> {
  /** The value without the wrong parts: keys deleted, list items left as holes (undefined) so indexes still match the file. */
  readonly value: Loose<T> | undefined;
  /** True when `path` is in the file, well-formed or not. */
  present(path: readonly PropertyKey[]): boolean;
  /** True when nothing at or below `path` is wrong. */
  clean(path: readonly PropertyKey[]): boolean;
  /** True when the map at `path` has keys the schema does not know (a misspelt key may be the one that seems missing). */
  hasUnknownKeys(path: readonly PropertyKey[]): boolean;
}

/** T with every field optional and every list item possibly missing, all the way down. */
export type Loose<T> = T extends readonly (infer E)[]
  ? readonly (Loose<E> | undefined)[]
  : T extends object
    ? { readonly [K in keyof T]?: Loose<T[K]> }
    : T;

const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map(String));

/** Cuts the nodes that `issues` point at out of a copy of `value` (plain data, as YAML gives it). */
export function wellFormed<T>(value: unknown, issues: readonly z.core.$ZodIssue[]): WellFormed<T> {
  let copy: unknown = structuredClone(value);
  const cut = new Set<string>();
  const unknownKeys = new Set<string>();
  const wrong: string[][] = [];
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      unknownKeys.add(pathKey(path));
      wrong.push(...issue.keys.map((key) => [...path, key]));
      continue;
    }
    wrong.push(path);
    cut.add(pathKey(path));
    if (path.length === 0) copy = undefined;
    const parent = valueAt(copy, issue.path.slice(0, -1));
    const key = issue.path[issue.path.length - 1];
    if (key === undefined || parent === null || typeof parent !== 'object') continue;
    if (Array.isArray(parent)) parent[Number(key)] = undefined;
    else delete (parent as Record<PropertyKey, unknown>)[key];
  }
  return {
    value: copy as Loose<T> | undefined,
    present: (path) => cut.has(pathKey(path)) || valueAt(copy, path) !== undefined,
    // Wrong at, below or above `path`: a wrong parent leaves nothing below it to trust.
    clean: (path) => !wrong.some((w) => w.every((key, i) => i >= path.length || key === String(path[i]))),
    hasUnknownKeys: (path) => unknownKeys.has(pathKey(path)),
  };
}

/** The WellFormed of a value the schema took whole. */
export function allWellFormed<T>(value: T): WellFormed<T> {
  return {
    value: value as Loose<T>,
    present: (path) => valueAt(value, path) !== undefined,
    clean: () => true,
    hasUnknownKeys: () => false,
  };
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
  if (typeof value === 'string') return `text ${quote(value)}`;
  if (typeof value === 'boolean') return `${value}`;
  // What is left (number, bigint, undefined; symbol and function, which YAML never gives) has a String() of its own.
  const rest = value as number | bigint | undefined | symbol | (() => unknown);
  return `${typeof rest} ${String(rest)}`;
}

/** The allowed word nearest to a misspelt one, when it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const allowed = Math.max(1, Math.floor(word.length / 3));
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a word far longer than every candidate
    // (a pasted paragraph) costs nothing instead of a comparison per character.
    if (Math.abs(candidate.length - word.length) > allowed) continue;
    const distance = candidate.toLowerCase() === word.toLowerCase() ? 0 : levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= allowed ? best : undefined;
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
