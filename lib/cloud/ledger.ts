import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which API calls went out on whose behalf: work for one resource runs inside `withLedger`, and
 * every HTTP request the cloud layer makes meanwhile (retries included) is written to that ledger,
 * with its request id. The report shows them per resource without threading a counter through
 * every signature.
 */

export interface Ledger {
  /** Requests sent, retries included. */
  calls: number;
  /** Request ids the cloud answered with, in order (what support asks for). */
  readonly requestIds: string[];
}

const current = new AsyncLocalStorage<Ledger>();

/** Runs `work` with a fresh ledger; resolves with its result and the ledger. */
export async function withLedger<T>(work: () => Promise<T>): Promise<{ value: T; ledger: Ledger }> {
  const ledger: Ledger = { calls: 0, requestIds: [] };
  const value = await current.run(ledger, work);
  return { value, ledger };
}

/** Notes one request in the ledger of the work in progress (if any). */
export function recordCall(requestId: string | undefined): void {
  const ledger = current.getStore();
  if (!ledger) return;
  ledger.calls += 1;
  if (requestId) ledger.requestIds.push(requestId);
}
