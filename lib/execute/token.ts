import { createHash } from 'node:crypto';

/**
 * The SWAS ClientToken of one request of a batch. A batch is an edge's chunk of instances, named
 * by its members whatever their state (lib/execute/swas.ts), so every run that sees the same edge
 * (a retry, FC delivering the event twice, a catch-up) forms the same batch and sends its first
 * request under the same token: SWAS then answers from its memory of that token instead of acting.
 *
 * `round` counts the requests sent for the batch: after a definite refusal the next request gets
 * a token of its own, since a service that remembered the refusal would replay it to every retry.
 *
 * @example clientToken({ rules: ['dev-nights'], action: 'stop', at: 1764072000000, ids: ['ace07…'], round: 0 }) // 'offpeak-stop-3f9a…'
 */
export function clientToken(input: {
  rules: readonly string[];
  action: 'stop' | 'start';
  at: number;
  ids: readonly string[];
  round: number;
}): string {
  const material = JSON.stringify([[...input.rules].sort(), input.action, input.at, [...input.ids].sort(), input.round]);
  // 'offpeak-' + action + '-' + 40 hex = at most 54 ASCII characters, within SWAS's 64.
  return `offpeak-${input.action}-${createHash('sha256').update(material).digest('hex').slice(0, 40)}`;
}
