import { timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { dingtalkSign, larkSign } from '../notify/sign.js';
import { CHANNEL_TYPES, type ChannelType } from '../schedule/people.js';

/**
 * The group robots' webhooks, as their services receive them, under `/_hooks/`: each checks what
 * the real one checks (the token or key in the URL, the signature and its timestamp against the
 * server's clock, the message's shape), answers in its own words, and records what it got for
 * `GET /_sandbox/messages`. Robots are registered with `POST /_sandbox/hooks`; a token nobody
 * registered is refused, as an unknown one is by the service.
 *
 * - dingtalk `/_hooks/dingtalk/robot/send?access_token=T[&timestamp=MS&sign=S]`: with a secret,
 *   sign = URL-encoded Base64 HmacSHA256(secret, ts + "\n" + secret), ts within an hour.
 * - lark `/_hooks/lark/open-apis/bot/v2/hook/T`: with a secret, the body's timestamp (s) and
 *   sign = Base64 HmacSHA256(key ts + "\n" + secret, empty data), ts within an hour.
 * - wecom `/_hooks/wecom/cgi-bin/webhook/send?key=K`: no signature; the key is the credential.
 * - webhook `/_hooks/webhook/ID`: no signature.
 *
 * The error codes are those the services' pages give (DingTalk 310000 for a failed security check,
 * Lark 19021 for a failed signature, WeCom 93000 for an unknown key); an unknown DingTalk token's
 * 300001 and the shape errors' codes are the sandbox's reading.
 */

const HOUR = 3_600_000;

const robotSchema = z.strictObject({
  type: z.enum(CHANNEL_TYPES),
  /** The access_token (DingTalk), hook id (Lark), key (WeCom) or path id (webhook). */
  token: z.string().min(1),
  secret: z.string().min(1).optional(),
  /** Answer every message with this HTTP status and an error body, as a broken service does. */
  status: z.number().int().min(200).max(599).optional(),
  /** Hold each answer this long (ms), as a hanging service does. */
  hangMs: z.number().int().min(0).max(600_000).optional(),
});
export type Robot = z.infer<typeof robotSchema>;

/** What a robot received. */
export interface ReceivedMessage {
  /** The server's clock (real time, not the sandbox's moved time). */
  readonly at: string;
  readonly type: ChannelType;
  readonly token: string;
  readonly accepted: boolean;
  /** The service's answer code: 0 when accepted. */
  readonly code: number;
  readonly error?: string;
  /** The message text as a person would read it (markdown text, text content, or the webhook's text). */
  readonly text?: string;
  readonly body: unknown;
}

export interface HookAnswer {
  readonly status: number;
  readonly body: string;
  readonly hangMs: number;
}

export class Hooks {
  private registered: Robot[] = [];
  private received: ReceivedMessage[] = [];

  constructor(private readonly wallClock: () => number) {}

  /** Replaces the robots with a JSON list; throws with the field at fault. */
  setRobots(value: unknown): void {
    const parsed = z.array(robotSchema).safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`hooks${issue.path.map((p) => `[${JSON.stringify(p)}]`).join('')}: ${issue.message}`);
    }
    this.registered = parsed.data;
  }

  robots(): readonly Robot[] {
    return this.registered;
  }

  messages(): readonly ReceivedMessage[] {
    return this.received;
  }

  clearMessages(): void {
    this.received = [];
  }

  /** Answers one POST under /_hooks/. */
  handle(method: string, url: string, rawBody: Buffer): HookAnswer {
    const parsed = new URL(url, 'http://sandbox');
    const path = parsed.pathname;
    const route = ROUTES.find((r) => r.match.test(path));
    if (!route || method !== 'POST') return answer(404, { error: `no robot webhook at ${method} ${path}` });
    const token = route.token(parsed);
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      body = undefined;
    }
    const robot = this.registered.find((r) => r.type === route.type && r.token === token);
    const record = (code: number, error?: string) =>
      this.received.push({
        at: new Date(this.wallClock()).toISOString(),
        type: route.type,
        token: token ?? '',
        accepted: code === 0,
        code,
        ...(error ? { error } : {}),
        ...(code === 0 ? { text: textOf(route.type, body) } : {}),
        body,
      });
    const hangMs = robot?.hangMs ?? 0;
    if (robot?.status !== undefined && robot.status !== 200) {
      record(robot.status, `answered HTTP ${robot.status} (fault)`);
      return { ...answer(robot.status, { error: 'internal error' }), hangMs };
    }
    const verdict = route.check(robot, parsed, body, this.wallClock());
    record(verdict.code, verdict.code === 0 ? undefined : verdict.message);
    // A generic webhook says no with its HTTP status; the robots answer 200 with their own code.
    const status = route.type === 'webhook' && verdict.code !== 0 ? verdict.code : 200;
    return { ...answer(status, route.reply(verdict)), hangMs };
  }
}

interface Verdict {
  readonly code: number;
  readonly message: string;
}

const OK: Verdict = { code: 0, message: 'ok' };

function answer(status: number, body: unknown): HookAnswer {
  return { status, body: JSON.stringify(body), hangMs: 0 };
}

/** Constant-time comparison of two signatures as text. */
function sameSign(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function textOf(type: ChannelType, body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const part = (key: string): Record<string, unknown> => {
    const value = body[key];
    return isObject(value) ? value : {};
  };
  switch (type) {
    case 'dingtalk':
      return str(part('markdown').text) ?? str(part('text').content);
    case 'wecom':
      return str(part('markdown').content) ?? str(part('text').content);
    case 'lark':
      return str(part('content').text) ?? JSON.stringify(body.content);
    case 'webhook':
      return str(body.text);
  }
}

interface Route {
  readonly type: ChannelType;
  readonly match: RegExp;
  token(url: URL): string | undefined;
  check(robot: Robot | undefined, url: URL, body: unknown, now: number): Verdict;
  reply(verdict: Verdict): unknown;
}

/** A timestamp (ms) is good within an hour of the server's clock, either way. */
const fresh = (ms: number, now: number) => Number.isFinite(ms) && Math.abs(now - ms) <= HOUR;

const ROUTES: readonly Route[] = [
  {
    type: 'dingtalk',
    match: /^\/_hooks\/dingtalk\/robot\/send$/,
    token: (url) => url.searchParams.get('access_token') ?? undefined,
    check(robot, url, body, now) {
      if (!robot) return { code: 300001, message: 'token is not exist' };
      if (robot.secret) {
        const timestamp = url.searchParams.get('timestamp');
        const sign = url.searchParams.get('sign');
        if (timestamp === null || !/^\d{1,16}$/.test(timestamp) || !fresh(Number(timestamp), now))
          return { code: 310000, message: 'invalid timestamp' };
        // searchParams has already URL-decoded the sign, as the service does; a sign sent without
        // URL-encoding loses its '+' to spaces here, and fails as it does there.
        if (sign === null || !sameSign(sign, dingtalkSign(robot.secret, Number(timestamp))))
          return { code: 310000, message: 'sign not match' };
      }
      if (!isObject(body)) return { code: 40035, message: 'missing parameter json' };
      const type = body.msgtype;
      const part = isObject(body[String(type)]) ? (body[String(type)] as Record<string, unknown>) : undefined;
      if (type === 'text' && str(part?.content)) return OK;
      if (type === 'markdown' && str(part?.title) && str(part?.text)) return OK;
      return { code: 40035, message: `missing parameter: msgtype ${JSON.stringify(type)} and its content` };
    },
    reply: (v) => ({ errcode: v.code, errmsg: v.message }),
  },
  {
    type: 'lark',
    match: /^\/_hooks\/lark\/open-apis\/bot\/v2\/hook\/[^/]+$/,
    token: (url) => url.pathname.split('/').at(-1),
    check(robot, _url, body, now) {
      if (!robot) return { code: 19001, message: 'param invalid: incoming webhook access token invalid' };
      if (!isObject(body)) return { code: 9499, message: 'Bad Request' };
      if (robot.secret) {
        const timestamp = str(body.timestamp);
        const sign = str(body.sign);
        const seconds = timestamp !== undefined && /^\d{1,13}$/.test(timestamp) ? Number(timestamp) : NaN;
        if (!fresh(seconds * 1000, now) || sign === undefined || !sameSign(sign, larkSign(robot.secret, seconds)))
          return { code: 19021, message: 'sign match fail or timestamp is not within one hour from current time' };
      }
      const content = isObject(body.content) ? body.content : undefined;
      if (body.msg_type === 'text' && str(content?.text)) return OK;
      if ((body.msg_type === 'post' || body.msg_type === 'interactive') && (content !== undefined || isObject(body.card))) return OK;
      return { code: 9499, message: 'Bad Request: msg_type and content' };
    },
    reply: (v) => (v.code === 0 ? { code: 0, msg: 'success', data: {} } : { code: v.code, msg: v.message, data: {} }),
  },
  {
    type: 'wecom',
    match: /^\/_hooks\/wecom\/cgi-bin\/webhook\/send$/,
    token: (url) => url.searchParams.get('key') ?? undefined,
    check(robot, _url, body) {
      if (!robot) return { code: 93000, message: 'invalid webhook url' };
      if (!isObject(body)) return { code: 40035, message: 'invalid json' };
      const type = body.msgtype;
      const part = isObject(body[String(type)]) ? (body[String(type)] as Record<string, unknown>) : undefined;
      const content = str(part?.content);
      // WeCom takes at most 4096 bytes of markdown (2048 of text).
      const max = type === 'markdown' ? 4096 : 2048;
      if ((type === 'markdown' || type === 'text') && content !== undefined && Buffer.byteLength(content) <= max) return OK;
      return { code: 40058, message: `invalid ${String(type)} content (at most ${max} bytes)` };
    },
    reply: (v) => ({ errcode: v.code, errmsg: v.message }),
  },
  {
    type: 'webhook',
    match: /^\/_hooks\/webhook\/[^/]+$/,
    token: (url) => url.pathname.split('/').at(-1),
    check(robot, _url, body) {
      if (!robot) return { code: 404, message: 'no such webhook' };
      return isObject(body) && body.source === 'offpeak' ? OK : { code: 400, message: 'not an offpeak message' };
    },
    reply: (v) => (v.code === 0 ? { ok: true } : { ok: false, error: v.message }),
  },
];
