import * as z from 'zod';
import { quote, quoteList } from '../errors.js';
import { DURATION_FORM, parseDuration } from './duration.js';

/**
 * The parts of a schedule that put people in the loop: the file's `channels` (where messages go),
 * a rule's `notify` (which messages, and how long before a stop), `wake` (people may wake its
 * targets, for at most this long) and `offPeakInstances` (keep N SAE instances instead of stopping).
 * Pure: the webhook URLs and secrets stay in the environment, named here by variable, never copied
 * into a file; lib/notify reads them when it sends.
 */

export const CHANNEL_TYPES = ['dingtalk', 'wecom', 'lark', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const NOTICE_KINDS = ['before-stop', 'failure', 'summary'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** A place messages go: a group robot's webhook, by the names of the variables holding its URL and secret. */
export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  readonly urlEnv: string;
  readonly secretEnv?: string;
}

/** A rule's `notify`, its channels resolved against the file's. */
export interface Notify {
  readonly channels: readonly Channel[];
  /** How long before a stop edge the notice is posted (ms); only with `before-stop`. */
  readonly before?: number;
  readonly on: readonly NoticeKind[];
}

/** What a rule's people fields compile to (merged into the Rule). */
export interface PeopleFields {
  readonly notify?: Notify;
  /** ms: the longest a person may wake the rule's targets for; absent: waking is off. */
  readonly wake?: number;
  /** SAE: scale to this many instances at a stop edge instead of stopping. */
  readonly offPeakInstances?: number;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const CHANNEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The longest notice lead and wake: a day, so a notice is about tonight and a wake never outlives a weekend unnoticed. */
const MAX_BEFORE = 86_400_000;
const MAX_WAKE = 7 * 86_400_000;
/** SAE's default quota of instances per application. */
const MAX_INSTANCES = 50;

const envName = (what: string) =>
  z
    .string()
    .regex(ENV_NAME)
    .meta({ description: `the name of the environment variable that holds ${what}, e.g. DINGTALK_OPS_URL` });

export const channelSchema = z
  .strictObject({
    type: z.enum(CHANNEL_TYPES).meta({ description: 'dingtalk, wecom, lark or webhook' }),
    urlEnv: envName('the webhook URL (never the URL itself: it is a credential)'),
    secretEnv: envName("the robot's signing secret (DingTalk and Lark)").optional(),
  })
  .meta({ description: 'a channel: { type: dingtalk, urlEnv: DINGTALK_OPS_URL, secretEnv: DINGTALK_OPS_SECRET }' });

export const channelsSchema = z
  .record(z.string().regex(CHANNEL_NAME), channelSchema)
  .meta({ description: 'channel names mapped to channels, e.g. { ops: { type: dingtalk, urlEnv: DINGTALK_OPS_URL } }' });

export const notifySchema = z
  .strictObject({
    channels: z
      .array(z.string().min(1).meta({ description: "the name of a channel declared under the file's channels" }))
      .min(1)
      .meta({ description: "channel names declared under the file's channels, e.g. [ops]" }),
    before: z
      .string()
      .meta({ description: `how long before a stop the notice is posted: ${DURATION_FORM}, e.g. '15m'` })
      .optional(),
    on: z
      .array(z.enum(NOTICE_KINDS).meta({ description: 'before-stop, failure or summary' }))
      .min(1)
      .meta({ description: 'which messages: [before-stop, failure, summary] (default: before-stop when before is set, and failure)' })
      .optional(),
  })
  .meta({ description: 'messages about this rule: { channels: [ops], before: 15m, on: [before-stop, failure] }' });

export const peopleRuleFields = {
  notify: notifySchema.optional(),
  wake: z
    .string()
    .meta({ description: `people may wake the targets (offpeak wake) for at most this long: ${DURATION_FORM}, e.g. '4h'` })
    .optional(),
  offPeakInstances: z
    .number()
    .int()
    .min(1)
    .max(MAX_INSTANCES)
    .meta({ description: 'SAE: keep this many instances off-peak instead of stopping (1 to 50); restored to the count the app had' })
    .optional(),
};

type RawChannels = Readonly<Record<string, { type?: ChannelType; urlEnv?: string; secretEnv?: string } | undefined>>;
interface RawPeople {
  readonly notify?: { channels?: readonly (string | undefined)[]; before?: string; on?: readonly (NoticeKind | undefined)[] };
  readonly wake?: string;
  readonly offPeakInstances?: number;
  readonly targets?: { readonly swas?: readonly unknown[] };
}

/**
 * Checks a rule's people fields against the file's channels. `at` reports a mistake at a path of
 * the rule. Returns the compiled fields, or undefined when any is wrong.
 */
export function checkPeople(
  raw: RawPeople,
  channels: RawChannels,
  at: (path: PropertyKey[], message: string, options?: { key?: boolean }) => void,
): PeopleFields | undefined {
  let ok = true;
  const fail = (path: PropertyKey[], message: string, options?: { key?: boolean }) => {
    at(path, message, options);
    ok = false;
  };
  let notify: Notify | undefined;
  if (raw.notify) {
    const resolved: Channel[] = [];
    (raw.notify.channels ?? []).forEach((name, i) => {
      if (name === undefined) return;
      const channel = Object.hasOwn(channels, name) ? channels[name] : undefined;
      if (!channel) {
        const declared = Object.keys(channels);
        fail(
          ['notify', 'channels', i],
          declared.length
            ? `channel ${quote(name)} is not declared in this file; declared: ${quoteList(declared, 10, (n) => n)}`
            : `channel ${quote(name)} is not declared; add 'channels: { ${name}: { type: dingtalk, urlEnv: DINGTALK_URL } }' at the top of the file`,
        );
      } else if (channel.type !== undefined && channel.urlEnv !== undefined) {
        resolved.push({ name, type: channel.type, urlEnv: channel.urlEnv, ...(channel.secretEnv ? { secretEnv: channel.secretEnv } : {}) });
      }
    });
    let before: number | undefined;
    if (raw.notify.before !== undefined) {
      before = parseDuration(raw.notify.before);
      if (before === undefined || before === 0)
        fail(['notify', 'before'], `${quote(raw.notify.before)} is not a positive duration; expected ${DURATION_FORM}, e.g. '15m'`);
      else if (before > MAX_BEFORE)
        fail(['notify', 'before'], `${quote(raw.notify.before)} is longer than 1d; a notice comes at most a day ahead`);
    }
    const on = (raw.notify.on ?? (before !== undefined ? ['before-stop', 'failure'] : ['failure'])).filter(
      (k): k is NoticeKind => k !== undefined,
    );
    if (on.includes('before-stop') && raw.notify.before === undefined)
      fail(['notify', 'on'], "before-stop needs 'before', how long ahead of the stop, e.g. before: 15m");
    if (ok && before !== undefined && !on.includes('before-stop'))
      fail(['notify', 'before'], "before is for before-stop notices; add before-stop to 'on', or drop before", { key: true });
    notify = { channels: resolved, on: [...new Set(on)], ...(before !== undefined ? { before } : {}) };
  }
  let wake: number | undefined;
  if (raw.wake !== undefined) {
    wake = parseDuration(raw.wake);
    if (wake === undefined || wake === 0)
      fail(['wake'], `${quote(raw.wake)} is not a positive duration; expected ${DURATION_FORM}, e.g. '4h'`);
    else if (wake > MAX_WAKE) fail(['wake'], `${quote(raw.wake)} is longer than 7d; a wake lasts at most 7d`);
  }
  if (raw.offPeakInstances !== undefined && (raw.targets?.swas?.length ?? 0) > 0)
    fail(
      ['offPeakInstances'],
      'offPeakInstances keeps SAE apps running with fewer instances; a SWAS instance is either on or off: put the swas targets in a rule of their own',
      { key: true },
    );
  if (!ok) return undefined;
  return {
    ...(notify ? { notify } : {}),
    ...(wake !== undefined ? { wake } : {}),
    ...(raw.offPeakInstances !== undefined ? { offPeakInstances: raw.offPeakInstances } : {}),
  };
}
