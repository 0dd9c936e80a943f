import type { Channel } from '../schedule/people.js';
import { bodyFor, type Notice } from './message.js';
import { dingtalkSignedUrl, larkSign } from './sign.js';

/**
 * Posting a notice to a channel, over Node's own fetch. A message never delays or fails a run's
 * stops: each attempt is cut at `timeoutMs`, a failed one is tried again a couple of times (a
 * transport error, a timeout, a 5xx or a 429), and the result is a Delivery, never an exception.
 * Neither the URL (its key or token is a credential) nor the secret ever appears in a Delivery.
 */

/** What became of one notice on one channel. */
export interface Delivery {
  readonly rule: string;
  readonly kind: Notice['kind'];
  readonly channel: string;
  readonly channelType: Channel['type'];
  readonly ok: boolean;
  /** Requests made, retries included (0 when it could not be sent at all). */
  readonly attempts: number;
  readonly ms: number;
  /** Why it failed: an HTTP status, the service's code, or offpeak's own (`NotConfigured`, `Timeout`, `DryRun`). */
  readonly code?: string;
  readonly detail?: string;
}

export interface Notifier {
  post(channel: Channel, notice: Notice): Promise<Delivery>;
}

export interface NotifierOptions {
  /** Where `urlEnv` and `secretEnv` are looked up. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The real clock (epoch ms), for the signatures' timestamps: never a run's simulated `at`. */
  readonly now: () => number;
  /** Per attempt. Default 3000. */
  readonly timeoutMs?: number;
  /** Attempts in all. Default 3. */
  readonly attempts?: number;
  /** Wait before the first retry, doubled for the next. Default 300. */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Whether the run's deadline leaves room for `ms` more; a retry that does not fit is not made. */
  readonly allows?: (ms: number) => boolean;
  readonly fetch?: typeof fetch;
}

export const DEFAULT_NOTICE_TIMEOUT_MS = 3000;
export const DEFAULT_NOTICE_ATTEMPTS = 3;

/** An answer worth trying again: the service was busy or broken, not the message wrong. */
const retryableStatus = (status: number) => status === 429 || status >= 500;

/** Error text from a service, bounded and without URLs (some errmsgs link to docs; none should carry a query). */
const clean = (text: string) => text.replace(/https?:\/\/\S+/g, '<url>').slice(0, 200);

/**
 * A notifier over the environment's channels.
 * @example const notifier = createNotifier({ env: process.env, now: () => Date.now() });
 */
export function createNotifier(options: NotifierOptions): Notifier {
  const timeoutMs = options.timeoutMs ?? DEFAULT_NOTICE_TIMEOUT_MS;
  const attempts = options.attempts ?? DEFAULT_NOTICE_ATTEMPTS;
  const backoffMs = options.backoffMs ?? 300;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const doFetch = options.fetch ?? fetch;

  return {
    async post(channel, notice) {
      const started = options.now();
      const base = { rule: notice.rule, kind: notice.kind, channel: channel.name, channelType: channel.type };
      const done = (fields: { ok: boolean; attempts: number; code?: string; detail?: string }): Delivery => ({
        ...base,
        ...fields,
        ms: Math.max(0, Math.round(options.now() - started)),
      });
      const url = options.env[channel.urlEnv];
      if (!url) return done({ ok: false, attempts: 0, code: 'NotConfigured', detail: `environment variable ${channel.urlEnv} is not set` });
      if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url))
        return done({
          ok: false,
          attempts: 0,
          code: 'NotConfigured',
          detail: `environment variable ${channel.urlEnv} is not an http(s) URL`,
        });
      const secret = channel.secretEnv === undefined ? undefined : options.env[channel.secretEnv];
      if (channel.secretEnv !== undefined && !secret)
        return done({ ok: false, attempts: 0, code: 'NotConfigured', detail: `environment variable ${channel.secretEnv} is not set` });

      let last: { code: string; detail: string } = { code: 'NotSent', detail: 'not sent' };
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) {
          const wait = backoffMs * 2 ** (attempt - 2);
          if (options.allows && !options.allows(wait + timeoutMs)) return done({ ok: false, attempts: attempt - 1, ...last });
          await sleep(wait);
        }
        // Signed afresh for each attempt: a retry carries its own timestamp.
        const { target, body } = request(channel.type, url, secret, notice, options.now());
        const answer = await attempt1(doFetch, channel.type, target, body, timeoutMs);
        if (answer.ok) return done({ ok: true, attempts: attempt });
        last = { code: answer.code, detail: answer.detail };
        if (!answer.retry) return done({ ok: false, attempts: attempt, ...last });
      }
      return done({ ok: false, attempts, ...last });
    },
  };
}

/** The URL and body of one attempt, signed with the real clock's `now`. */
function request(type: Channel['type'], url: string, secret: string | undefined, notice: Notice, now: number) {
  const body = bodyFor(type, notice);
  if (type === 'dingtalk' && secret) return { target: dingtalkSignedUrl(url, secret, now), body };
  if (type === 'lark' && secret) {
    const timestamp = Math.floor(now / 1000);
    return { target: url, body: { timestamp: String(timestamp), sign: larkSign(secret, timestamp), ...body } };
  }
  return { target: url, body };
}

type Answer = { ok: true } | { ok: false; retry: boolean; code: string; detail: string };

async function attempt1(doFetch: typeof fetch, type: Channel['type'], url: string, body: unknown, timeoutMs: number): Promise<Answer> {
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, retry: true, code: 'Timeout', detail: `no answer within ${timeoutMs} ms` };
    // The cause's code (ECONNREFUSED, ENOTFOUND…); never the message, which may quote the URL.
    const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
    return { ok: false, retry: true, code: typeof cause === 'string' ? cause : 'NetworkError', detail: 'the request could not be sent' };
  }
  if (!response.ok)
    return {
      ok: false,
      retry: retryableStatus(response.status),
      code: `HTTP${response.status}`,
      detail: `answered HTTP ${response.status}`,
    };
  // A generic webhook is yours: any 2xx is taken as received.
  if (type === 'webhook') return { ok: true };
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  // DingTalk and WeCom answer {errcode, errmsg}, Lark {code, msg} (older bots {StatusCode, StatusMessage}); 0 is success.
  const code = json?.errcode ?? json?.code ?? json?.StatusCode;
  if (json === undefined || code === undefined || code === 0) return { ok: true };
  const message = json.errmsg ?? json.msg ?? json.StatusMessage;
  const shown = typeof code === 'number' || typeof code === 'string' ? String(code) : 'Refused';
  return { ok: false, retry: false, code: shown, detail: typeof message === 'string' ? clean(message) : 'refused' };
}
