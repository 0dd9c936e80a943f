import { createHash } from 'node:crypto';

/**
 * The SWAS ClientToken of a batch: the same rule, resources, action and edge instant always give
 * the same token, so a retried run (FC delivers timer events at least once) or a catch-up run
 * re-sends the first request's token and SWAS answers it without acting twice.
 *
 * @example clientToken({ rules: ['dev-nights'], action: 'stop', at: 1764072000000, ids: ['ace07…'] }) // 'offpeak-stop-3f9a…'
 */
export function clientToken(input: { rules: readonly string[]; action: 'stop' | 'start'; at: number; ids: readonly string[] }): string {
  const material = JSON.stringify([[...input.rules].sort(), input.action, input.at, [...input.ids].sort()]);
  // 'offpeak-' + action + '-' + 40 hex = at most 54 ASCII characters, within SWAS's 64.
  return `offpeak-${input.action}-${createHash('sha256').update(material).digest('hex').slice(0, 40)}`;
}
