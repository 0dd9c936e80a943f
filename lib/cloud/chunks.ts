/**
 * Every id list offpeak sends in a query goes in groups of at most 100, so no request line grows
 * with the fleet. 100 is SWAS's documented maximum for InstanceIds; SAE documents none for
 * ListApplications' FieldValue or the batch calls' AppIds, and 100 ids of 36 characters keep a
 * signed request line near 4.5 KB, well under the 8 KB that gateways' front proxies commonly allow
 * (the sandbox answers longer lines with 414, as they do).
 */
export const MAX_IDS_PER_CALL = 100;

/**
 * `items` in consecutive groups of at most `size`.
 * @example chunks(['a', 'b', 'c'], 2) // [['a', 'b'], ['c']]
 */
export function chunks<T>(items: readonly T[], size: number = MAX_IDS_PER_CALL): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
