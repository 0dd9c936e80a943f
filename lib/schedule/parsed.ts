/** The result of reading one piece of schedule text: the value, or what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };
