/**
 * Items grouped by a key, in first-seen order, in one pass (Map.groupBy arrives with Node 21).
 * Appending in place keeps it linear: a run groups thousands of resources by region or namespace.
 * @example groupBy(decisions, (d) => d.resource.region) // Map { 'cn-hangzhou' => [...], ... }
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
