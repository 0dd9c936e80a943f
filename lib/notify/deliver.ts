import type { Channel } from '../schedule/people.js';
import type { Notice } from './message.js';
import type { Delivery, Notifier } from './send.js';

/**
 * Fans notices out to their rules' channels, all at once: one slow channel never holds up another,
 * and the whole takes as long as the slowest single delivery (its attempts are bounded in send.ts).
 */

export interface Addressed {
  readonly notice: Notice;
  readonly channels: readonly Channel[];
}

/** Sends every notice to each of its channels; a dry run (or no notifier) sends nothing and says so. */
export async function deliver(addressed: readonly Addressed[], notifier: Notifier | undefined, dryRun: boolean): Promise<Delivery[]> {
  const jobs = addressed.flatMap(({ notice, channels }) =>
    channels.map((channel): Promise<Delivery> => {
      const base = { rule: notice.rule, kind: notice.kind, channel: channel.name, channelType: channel.type, attempts: 0, ms: 0 };
      if (dryRun) return Promise.resolve({ ...base, ok: false, code: 'DryRun', detail: 'dry run: not sent' });
      if (!notifier) return Promise.resolve({ ...base, ok: false, code: 'NoNotifier', detail: 'this door sends no messages' });
      return notifier.post(channel, notice);
    }),
  );
  return Promise.all(jobs);
}
