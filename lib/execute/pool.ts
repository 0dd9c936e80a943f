/**
 * `work` over every item with at most `limit` running at once; results in the items' order.
 *
 * The pacer already holds calls to the account's rate, so starting the work of 5,000 apps at once
 * gains nothing: it only keeps 5,000 call chains alive while they queue. A pool keeps the memory of
 * a run flat in the fleet's size; `limit` stays well above what the rate limits let through.
 * @example await pooled(decisions, 32, (d) => requestOne(d, ctx))
 */
export async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
