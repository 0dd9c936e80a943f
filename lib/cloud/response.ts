import { CloudError, type Product } from './errors.js';

/**
 * Reading response bodies defensively: a field that is missing or of the wrong type becomes a
 * CloudError (kind 'invalid', code 'InvalidResponse') naming the field, here, rather than a
 * TypeError or an `undefined` that surfaces far away in the planner.
 */

type Json = Record<string, unknown>;

const describe = (value: unknown): string =>
  value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;

/** Field readers for one action's responses; each throws CloudError on a shape it does not expect. */
export class ResponseReader {
  constructor(
    private readonly product: Product,
    private readonly action: string,
  ) {}

  /** Throws the CloudError for a field `where` that holds `got`. */
  fail(where: string, got: unknown): never {
    throw new CloudError({
      product: this.product,
      action: this.action,
      code: 'InvalidResponse',
      kind: 'invalid',
      message: `${this.action} answered without a usable ${where} (got ${describe(got)})`,
    });
  }

  object(value: unknown, where: string): Json {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : this.fail(where, value);
  }

  list(value: unknown, where: string): unknown[] {
    return Array.isArray(value) ? (value as unknown[]) : this.fail(where, value);
  }

  string(o: Json, key: string, where: string): string {
    const value = o[key];
    return typeof value === 'string' && value !== '' ? value : this.fail(`${where}.${key}`, value);
  }

  /** Absent, null and '' all mean "not given". */
  optionalString(o: Json, key: string, where: string): string | undefined {
    const value = o[key];
    if (value === undefined || value === null || value === '') return undefined;
    return typeof value === 'string' ? value : this.fail(`${where}.${key}`, value);
  }

  /** A finite number; integer text is accepted too, since Alibaba's docs and examples disagree on types. */
  number(o: Json, key: string, where: string): number {
    const value = o[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
    return this.fail(`${where}.${key}`, value);
  }

  optionalNumber(o: Json, key: string, where: string): number | undefined {
    const value = o[key];
    return value === undefined || value === null || value === '' ? undefined : this.number(o, key, where);
  }

  boolean(o: Json, key: string, where: string): boolean {
    const value = o[key];
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.fail(`${where}.${key}`, value);
  }

  /**
   * The rows of a listing, each read on its own: a row that cannot be read is set aside as
   * unreadable (named by its `idKey` when it has one) and the others are kept.
   */
  rows<T>(
    value: unknown,
    where: string,
    idKey: string,
    read: (row: Json, where: string) => T,
  ): { rows: T[]; unreadable: Array<{ id: string; problem: string }> } {
    const rows: T[] = [];
    const unreadable: Array<{ id: string; problem: string }> = [];
    for (const [i, item] of this.list(value, where).entries()) {
      try {
        rows.push(read(this.object(item, `${where}[${i}]`), `${where}[${i}]`));
      } catch (error) {
        if (!(error instanceof CloudError)) throw error;
        const id = typeof item === 'object' && item !== null ? (item as Json)[idKey] : undefined;
        unreadable.push({ id: typeof id === 'string' && id !== '' ? id : `${where}[${i}]`, problem: error.message });
      }
    }
    return { rows, unreadable };
  }

  /** `Tags: [{Key, Value}]` as a record; absent or null means no tags. */
  tags(o: Json, key: string, where: string): Record<string, string> {
    const value = o[key];
    if (value === undefined || value === null) return {};
    const entries = this.list(value, `${where}.${key}`).map((item, i): [string, string] => {
      const tag = this.object(item, `${where}.${key}[${i}]`);
      return [this.string(tag, 'Key', `${where}.${key}[${i}]`), this.optionalString(tag, 'Value', `${where}.${key}[${i}]`) ?? ''];
    });
    // fromEntries defines own properties, so a tag named __proto__ stays a tag.
    return Object.fromEntries(entries);
  }
}
