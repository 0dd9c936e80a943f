import { ApiError, invalid, missing, paramText } from './api.js';

/**
 * Tagging, as SAE (ROA, JSON-text lists) and SWAS (RPC, numbered parameters) take it: the parsing
 * of each product's parameters and the one set of rules both apply to a resource's tags.
 */

type Params = Readonly<Record<string, string>>;

/** Tags per resource, as both products document. */
export const MAX_TAGS_PER_RESOURCE = 20;
/** Resources per call. */
export const MAX_TAG_RESOURCES = 50;

/** A JSON array of strings (SAE's ResourceIds, TagKeys). */
export function jsonStrings(params: Params, name: string, required: boolean): string[] | undefined {
  const raw = paramText(params, name);
  if (raw === undefined) {
    if (required) throw missing(name);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid(name, 'must be a JSON array of text, e.g. ["a","b"]');
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === ''))
    throw invalid(name, 'must be a JSON array of text, e.g. ["a","b"]');
  return value as string[];
}

/** RPC's repeated parameters `Name.1`, `Name.2`, … in order (at most `max`). */
export function numbered(params: Params, name: string, max: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= max + 1; i++) {
    const value = paramText(params, `${name}.${i}`);
    if (value === undefined) break;
    if (i > max) throw invalid(name, `takes at most ${max} values`);
    out.push(value);
  }
  return out;
}

/** RPC's `Tag.N.Key` / `Tag.N.Value`. */
export function numberedTags(params: Params): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (let i = 1; i <= MAX_TAGS_PER_RESOURCE; i++) {
    const key = paramText(params, `Tag.${i}.Key`);
    if (key === undefined) break;
    out.push({ key, value: paramText(params, `Tag.${i}.Value`) ?? '' });
  }
  return out;
}

/** Sets tags on one resource's map: a key again replaces its value; no more than 20 keys. */
export function applyTags(tags: Record<string, string>, add: ReadonlyArray<{ key: string; value: string }>): void {
  const keys = add.map((t) => t.key);
  if (new Set(keys).size !== keys.length) throw new ApiError(400, 'Duplicate.TagKey', 'The TagKey contains duplicate keys.');
  if (keys.some((k) => k.startsWith('acs:') || k.startsWith('aliyun')))
    throw new ApiError(400, 'InvalidParameter.TagKey', 'The specified TagKey is invalid.');
  const after = new Set([...Object.keys(tags), ...keys]);
  if (after.size > MAX_TAGS_PER_RESOURCE) throw new ApiError(400, 'NumberExceed.Tags', 'The maximum number of tags is exceeded.');
  for (const t of add) tags[t.key] = t.value;
}

/** Removes tag keys (all of them with `all`). */
export function removeTags(tags: Record<string, string>, keys: readonly string[], all: boolean): void {
  for (const key of all ? Object.keys(tags) : keys) delete tags[key];
}
