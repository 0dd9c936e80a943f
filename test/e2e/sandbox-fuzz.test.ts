import { createHash, createHmac } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect, type AddressInfo } from 'node:net';
import type * as OpenApiModule from '@alicloud/openapi-client';
import type * as TeaUtilModule from '@alicloud/tea-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, type CallRecord, type SandboxState } from '../../lib/sandbox/gateway.js';
import { SAE_ROUTES } from '../../lib/sandbox/sae.js';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { MAX_BODY_BYTES, startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import type { ReceivedRequest } from '../../lib/sandbox/signature.js';

/**
 * Fuzzing the sandbox over real HTTP: thousands of random, malformed and mangled requests, raw
 * socket abuse, and one-byte mangles of genuine signed requests captured from Alibaba's own
 * clients. Afterwards the server must still answer a correct signed call, its state must equal the
 * state before, and no call may have executed.
 *
 * Everything is drawn from one seeded generator (SEED below), so a failure replays exactly: the
 * failure message names the seed and the request. Only 127.0.0.1 is ever contacted.
 */

const SEED = 0x5eed_f022;
const RANDOM_REQUESTS = 3000;
const SIGNED_GARBAGE = 600;
const MANGLES_PER_CAPTURE = 40;
const CONCURRENCY = 20;
const REQUEST_TIMEOUT_MS = 3000;

const DEMO_KEY = { id: 'sandbox-ak', secret: 'sandbox-secret' } as const;
const STS_KEY = { id: 'STS.sandbox', secret: 'sts-secret', token: 'sts-token' } as const;
const REAL_APP_IDS = [
  '0099b7be-5f5b-4512-a7fc-56049ef1aaaa',
  '0099b7be-5f5b-4512-a7fc-56049ef1aaab',
  '5f1c2d3e-7a8b-4c9d-8e0f-1a2b3c4d5e01',
  '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c01',
];
const REAL_INSTANCE_IDS = ['ace0706b2ac4454d984295a94213aaaa', '2f6e1c0a9b8d4e7f8a6b5c4d3e2f1a01', '2f6e1c0a9b8d4e7f8a6b5c4d3e2f1a02'];
/** The admin routes: any method but GET on these may change state by design, so the fuzzer only GETs them. */
const ADMIN_ROUTES = new Set(['/_sandbox/state', '/_sandbox/calls', '/_sandbox/faults', '/_sandbox/reset', '/_sandbox/advance']);
const MUTATING = new Set([
  'StopApplication',
  'StartApplication',
  'BatchStopApplications',
  'BatchStartApplications',
  'StopInstance',
  'StartInstance',
  'StopInstances',
  'StartInstances',
]);

// ---------------------------------------------------------------------------------------------
// A small seeded generator (mulberry32): the same seed gives the same requests on every run.

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  text(n: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  hex(n: number): string {
    return this.text(n, '0123456789abcdef');
  }
}

// ---------------------------------------------------------------------------------------------
// Requests as bytes on the wire, and two ways to send them.

type Framing = 'none' | 'length' | 'chunked';

interface WireRequest {
  readonly kind: string;
  readonly method: string;
  readonly target: string;
  /** The protocol on the request line, `HTTP/1.1` unless a case says otherwise. */
  readonly version?: string;
  /** Sent as given, in order; framing headers and `connection: close` are added by the sender. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly framing: Framing;
  /** Chunk sizes for chunked framing (the rest of the body goes in one last chunk). */
  readonly chunks?: readonly number[];
}

/** What came back: an HTTP status, 0 when the server closed without answering, -1 on our timeout. */
interface Outcome {
  readonly status: number;
  readonly body: string;
}

function chunked(body: Buffer, sizes: readonly number[] = []): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of [...sizes, body.length]) {
    const piece = body.subarray(at, at + Math.max(1, size));
    if (piece.length === 0) break;
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    at += piece.length;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function serialize(req: WireRequest, close = true): Buffer {
  const lines = [`${req.method} ${req.target} ${req.version ?? 'HTTP/1.1'}`, ...req.headers.map(([k, v]) => `${k}: ${v}`)];
  if (req.framing === 'length') lines.push(`content-length: ${req.body.length}`);
  if (req.framing === 'chunked') lines.push('transfer-encoding: chunked');
  if (close) lines.push('connection: close');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  const body = req.framing === 'chunked' ? chunked(req.body, req.chunks) : req.framing === 'length' ? req.body : Buffer.alloc(0);
  return Buffer.concat([head, body]);
}

interface ParsedResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * The complete responses at the front of `data` (content-length framed, as the sandbox answers;
 * 1xx interim answers skipped). `headOnly` says which requests were HEAD, whose answers carry no body.
 */
function parseResponses(data: Buffer, headOnly: readonly boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) return out;
    const head = data.subarray(at, end).toString('latin1');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(status)) return out;
    if (status >= 100 && status < 200) {
      at = end + 4;
      continue;
    }
    const length = headOnly[out.length] ? 0 : Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (data.length < end + 4 + length) return out;
    out.push({ status, body: data.subarray(end + 4, end + 4 + length).toString('utf8') });
    at = end + 4 + length;
  }
}

let port = 0;

/**
 * Writes raw bytes on a fresh connection and collects what comes back until `expect` responses
 * are complete, the server closes, or the timeout passes. Never rejects.
 */
function rawExchange(
  payload: Buffer | readonly Buffer[],
  options: {
    expect?: number;
    headOnly?: readonly boolean[];
    endAfterWrite?: boolean;
    destroyAfterWrite?: boolean;
    to?: number;
    timeoutMs?: number;
  } = {},
): Promise<{ responses: ParsedResponse[]; closedByServer: boolean; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: options.to ?? port });
    const received: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(received), options.headOnly), closedByServer, timedOut });
    };
    const timer = setTimeout(() => finish(false, true), options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    socket.on('error', () => finish(true, false));
    socket.on('close', () => finish(true, false));
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (parseResponses(Buffer.concat(received), options.headOnly).length >= (options.expect ?? 1)) finish(false, false);
    });
    socket.on('connect', () => {
      const parts = Buffer.isBuffer(payload) ? [payload] : payload;
      const writeNext = (i: number): void => {
        if (socket.destroyed) return;
        if (i >= parts.length) {
          if (options.destroyAfterWrite) finish(false, false);
          else if (options.endAfterWrite) socket.end();
          return;
        }
        socket.write(parts[i]!, () => (parts.length > 1 ? setTimeout(() => writeNext(i + 1), 1) : writeNext(i + 1)));
      };
      writeNext(0);
    });
  });
}

async function sendRaw(req: WireRequest, to = port): Promise<Outcome> {
  const { responses, timedOut } = await rawExchange(serialize(req), { headOnly: [req.method === 'HEAD'], to });
  const first = responses[0];
  return first ? { status: first.status, body: first.body } : { status: timedOut ? -1 : 0, body: '' };
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** The same request through node:http on a keep-alive agent, or undefined when node:http refuses to send it. */
function sendHttp(req: WireRequest): Promise<Outcome | undefined> {
  const headers: OutgoingHttpHeaders = {};
  for (const [k, v] of req.headers) {
    const name = k.toLowerCase();
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
    const prior = headers[name];
    headers[name] = prior === undefined ? v : `${String(prior)}, ${v}`;
  }
  if (req.framing === 'length') headers['content-length'] = String(req.body.length);
  return new Promise<Outcome | undefined>((resolve) => {
    let outgoing: ReturnType<typeof httpRequest>;
    try {
      outgoing = httpRequest(
        { host: '127.0.0.1', port, method: req.method, path: req.target, headers, agent, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '' }));
        },
      );
    } catch {
      // node:http validates method, path and headers before sending: what it refuses goes raw.
      resolve(undefined);
      return;
    }
    outgoing.on('timeout', () => {
      outgoing.destroy();
      resolve({ status: -1, body: '' });
    });
    outgoing.on('error', () => resolve({ status: 0, body: '' }));
    try {
      if (req.framing === 'chunked') {
        let at = 0;
        for (const size of req.chunks ?? []) {
          const piece = req.body.subarray(at, at + Math.max(1, size));
          if (piece.length) outgoing.write(piece);
          at += piece.length;
        }
        outgoing.end(req.body.subarray(at));
      } else outgoing.end(req.framing === 'length' ? req.body : undefined);
    } catch {
      outgoing.destroy();
      resolve({ status: 0, body: '' });
    }
  });
}

async function send(req: WireRequest, viaHttp: boolean): Promise<Outcome> {
  if (viaHttp) {
    const outcome = await sendHttp(req);
    if (outcome !== undefined) return outcome;
  }
  return sendRaw(req);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

function describeRequest(req: WireRequest, index: number): string {
  const head = req.headers.map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`).join(' | ');
  const target = req.target.length > 160 ? `${req.target.slice(0, 160)}…(${req.target.length})` : req.target;
  return `seed 0x${SEED.toString(16)} #${index} [${req.kind}] ${req.method} ${JSON.stringify(target)} ${req.version ?? 'HTTP/1.1'} {${head}} body ${req.body.length} B ${req.framing}`;
}

// ---------------------------------------------------------------------------------------------
// ACS3-HMAC-SHA256 signing (docs/reference/client-wire-facts.md §1), for well-signed requests with nasty contents.

const pct = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface SignOptions {
  readonly method: string;
  readonly path: string;
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly action?: string;
  readonly version?: string;
  readonly body: Buffer;
  readonly contentType?: string;
  readonly keyId: string;
  readonly secret: string;
  readonly token?: string;
  readonly date: string;
  readonly nonce: string;
}

function signAcs3(o: SignOptions): { target: string; headers: Array<[string, string]> } {
  const headers: Array<[string, string]> = [['host', `127.0.0.1:${port}`]];
  if (o.version !== undefined) headers.push(['x-acs-version', o.version]);
  if (o.action !== undefined) headers.push(['x-acs-action', o.action]);
  headers.push(['x-acs-date', o.date], ['x-acs-signature-nonce', o.nonce], ['accept', 'application/json']);
  if (o.contentType !== undefined) headers.push(['content-type', o.contentType]);
  headers.push(['x-acs-content-sha256', sha256Hex(o.body)]);
  if (o.token !== undefined) headers.push(['x-acs-security-token', o.token]);
  const signed = headers
    .map(([k]) => k)
    .filter((k) => k === 'host' || k === 'content-type' || k.startsWith('x-acs-'))
    .sort();
  const value = (name: string) => headers.find(([k]) => k === name)?.[1] ?? '';
  const query = [...o.query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${pct(v)}`)
    .join('&');
  const canonical = [
    o.method,
    o.path,
    query,
    signed.map((k) => `${k}:${value(k).trim()}\n`).join(''),
    signed.join(';'),
    sha256Hex(o.body),
  ].join('\n');
  const signature = createHmac('sha256', o.secret)
    .update(`ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`)
    .digest('hex');
  headers.push(['authorization', `ACS3-HMAC-SHA256 Credential=${o.keyId},SignedHeaders=${signed.join(';')},Signature=${signature}`]);
  const wireQuery = o.query.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
  return { target: wireQuery ? `${o.path}?${wireQuery}` : o.path, headers };
}

// ---------------------------------------------------------------------------------------------
// The generator of random requests.

const SAE_PATHS = SAE_ROUTES.map((r) => r.path);
const SWAS_ACTIONS = ['ListInstances', 'ListInstanceStatus', 'StopInstance', 'StartInstance', 'StopInstances', 'StartInstances'];
const NASTY_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'then'];
const PARAM_KEYS = [
  'Action',
  'Version',
  'AppId',
  'AppIds',
  'NamespaceId',
  'InstanceId',
  'InstanceIds',
  'RegionId',
  'ClientToken',
  'Signature',
  'AccessKeyId',
  'SignatureNonce',
  'Timestamp',
  'SecurityToken',
  'SignatureMethod',
  'PageSize',
  'PageNumber',
  'CurrentPage',
  'Tag.1.Key',
  'Tag.1.Value',
  'Tag.99.Key',
  'Tags',
  'InstanceName',
  'Status',
  'FieldType',
  'FieldValue',
  'ChangeOrderId',
  'ForceStop',
  ...NASTY_NAMES,
];

function nastyValue(rng: Rng): string {
  switch (rng.int(16)) {
    case 0:
      return '%';
    case 1:
      return `%${rng.text(2, 'GHIJKLMNOPQRSTUVWXYZghxyz%')}`;
    case 2:
      return '%E0%A4%A';
    case 3:
      return '%ED%A0%80'; // a lone surrogate, percent-encoded
    case 4:
      return 'a'.repeat(rng.pick([1000, 8000, 15000]));
    case 5:
      return rng.pick(NASTY_NAMES);
    case 6:
      return rng.pick(['[]', '{}', '["__proto__"]', '[{"key":"__proto__","value":"x"}]', '[[[[', 'null', 'true', '[1,2]', '{"a":1}']);
    case 7:
      return rng.pick(['-1', '0', '1e309', '99999999999999999999', 'NaN', 'Infinity', '0x10', '1.5', '']);
    case 8:
      return rng.pick([...REAL_APP_IDS, ...REAL_INSTANCE_IDS]);
    case 9:
      return JSON.stringify([rng.pick(REAL_INSTANCE_IDS), rng.pick(REAL_INSTANCE_IDS)]);
    case 10:
      return `${rng.pick(REAL_APP_IDS)},${rng.pick(REAL_APP_IDS)}`;
    case 11:
      return rng.pick(['cn-hangzhou', 'cn-shanghai', 'cn-hangzhou:dev', 'cn-shanghai:staging', 'xx-nowhere-1']);
    case 12:
      return encodeURIComponent(rng.text(rng.int(30), ' !"#$&\'()*+,/:;<=>?@[\\]^`{|}~\u00e9\u4e2d'));
    case 13:
      return rng.text(rng.int(40));
    case 14:
      return '*'.repeat(rng.int(50)) + 'a';
    default:
      return rng.hex(32);
  }
}

function randomQuery(rng: Rng): string {
  if (rng.chance(0.15)) return '';
  if (rng.chance(0.05)) return '?';
  const pairs: string[] = [];
  const n = rng.int(8);
  for (let i = 0; i < n; i++) {
    const key = rng.chance(0.85) ? rng.pick(PARAM_KEYS) : nastyValue(rng);
    const repeat = rng.chance(0.15) ? 1 + rng.int(4) : 1;
    for (let r = 0; r < repeat; r++) pairs.push(rng.chance(0.05) ? key : `${key}=${nastyValue(rng)}`);
  }
  if (rng.chance(0.05)) pairs.push('&&&', '=', '==', 'a=b=c');
  return `?${pairs.join('&')}`;
}

function randomPath(rng: Rng): string {
  switch (rng.int(14)) {
    case 0:
      return '/';
    case 1:
    case 2:
    case 3:
      return rng.pick(SAE_PATHS);
    case 4:
      return rng.pick(SAE_PATHS).toUpperCase();
    case 5:
      return `${rng.pick(SAE_PATHS)}/`;
    case 6:
      return rng.pick([...ADMIN_ROUTES, '/_sandbox', '/_sandbox/']);
    case 7:
      return `/_sandbox/x${rng.text(rng.int(12))}`;
    case 8:
      return `/${rng.text(rng.int(60), "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/")}`;
    case 9:
      return `/${'a'.repeat(rng.pick([2000, 9000, 15000, 20000]))}`;
    case 10:
      return rng.pick([
        '/%',
        '/%zz',
        '/%E0%A4%A',
        '/%00',
        '/%2e%2e/%2e%2e/etc/passwd',
        '/%2F_sandbox%2Freset',
        '/..%2f_sandbox/reset',
        '//_sandbox/reset',
      ]);
    case 11:
      return rng.pick(['*', 'http://127.0.0.1/_sandbox/state', 'http://example.com/', '127.0.0.1:80', '/\u00e9', '/a b', '/a\tb']);
    case 12:
      return `/pop/v1/sam/app/${rng.pick(NASTY_NAMES)}`;
    default:
      return `/${rng.pick(NASTY_NAMES)}`;
  }
}

const METHODS = [
  'GET',
  'GET',
  'POST',
  'POST',
  'PUT',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'CONNECT',
  'get',
  'FOO',
  'GE T',
  '',
];

function authorization(rng: Rng): string {
  const ak = rng.pick([DEMO_KEY.id, STS_KEY.id, 'LTAInobody', '', 'a'.repeat(300), '__proto__', 'constructor']);
  const signed = rng.pick([
    'host;x-acs-date',
    'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    '',
    '__proto__',
    'constructor;toString',
    'host;host',
    ';;;',
  ]);
  switch (rng.int(7)) {
    case 0:
      return `ACS3-HMAC-SHA256 Credential=${ak},SignedHeaders=${signed},Signature=${rng.hex(rng.pick([64, 63, 65, 0, 128]))}`;
    case 1:
      return `ACS3-HMAC-SHA256 Credential=${ak}, SignedHeaders=${signed}, Signature=${rng.hex(64).toUpperCase()}`;
    case 2:
      return `acs ${ak}:${Buffer.from(rng.bytes(20)).toString('base64')}`;
    case 3:
      return `FC ${ak}:${Buffer.from(rng.bytes(32)).toString('base64')}`;
    case 4:
      return rng.pick(['Bearer x', 'Basic Og==', 'ACS3-HMAC-SHA256', 'acs', 'FC', 'acs :', 'FC :x', 'acs a:b:c']);
    case 5:
      return rng.text(rng.int(200), 'abc:=,; \u00e9');
    default:
      return `ACS3-HMAC-SHA256 Credential=${ak},SignedHeaders=${signed},Signature=${rng.hex(64)}`;
  }
}

function randomHeaders(rng: Rng, body: Buffer): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const add = (name: string, value: string) => headers.push([name, value]);
  // Without a host header, Node answers 400 itself (requireHostHeader): mostly send one, so requests reach the gateway.
  if (rng.chance(0.95))
    add(
      'host',
      rng.pick([
        '127.0.0.1',
        `127.0.0.1:${port}`,
        'sae.cn-hangzhou.aliyuncs.com',
        'swas.cn-shanghai.aliyuncs.com',
        '__proto__',
        '',
        'a'.repeat(500),
      ]),
    );
  if (rng.chance(0.6)) add('authorization', authorization(rng));
  if (rng.chance(0.5))
    add('x-acs-action', rng.pick([...SWAS_ACTIONS, ...SAE_ROUTES.map((r) => r.action), ...NASTY_NAMES, '', 'DeleteInstance']));
  if (rng.chance(0.5)) add('x-acs-version', rng.pick(['2019-05-06', '2020-06-01', '2017-01-01', ...NASTY_NAMES, '']));
  if (rng.chance(0.4)) {
    add(
      'x-acs-date',
      rng.pick([
        isoSeconds(Date.now()),
        isoSeconds(Date.now() - 3_600_000),
        '2024-02-30T00:00:00Z',
        '2026-13-01T00:00:00Z',
        'yesterday',
        '',
        '9999-12-31T23:59:59Z',
        new Date().toUTCString(),
      ]),
    );
  }
  if (rng.chance(0.3))
    add(
      'date',
      rng.pick([
        new Date().toUTCString(),
        'Mon, 31 Feb 2026 00:00:00 GMT',
        'Thu, 01 Jan 1970 00:00:00 GMT',
        'not a date',
        isoSeconds(Date.now()),
      ]),
    );
  if (rng.chance(0.4)) add('x-acs-signature-nonce', rng.pick([rng.hex(32), '', 'same-nonce', ...NASTY_NAMES]));
  if (rng.chance(0.4)) add('x-acs-content-sha256', rng.pick([sha256Hex(body), rng.hex(64), '', 'UNSIGNED-PAYLOAD']));
  if (rng.chance(0.2)) add('x-acs-security-token', rng.pick([STS_KEY.token, 'wrong', '']));
  if (rng.chance(0.1)) add('content-md5', rng.pick([createHash('md5').update(body).digest('base64'), 'AAAA', '']));
  if (rng.chance(0.6)) {
    add(
      'content-type',
      rng.pick([
        'application/json',
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        ';;;',
        '',
        'application/jsonx',
      ]),
    );
  }
  if (rng.chance(0.05)) add('expect', '100-continue');
  if (rng.chance(0.03)) {
    add('upgrade', 'websocket');
    add('connection', 'upgrade');
  }
  if (rng.chance(0.1)) add(rng.pick(NASTY_NAMES), rng.text(10));
  if (rng.chance(0.1)) add(`x-${rng.text(1 + rng.int(20), 'abcdefghijklmnopqrstuvwxyz-')}`, rng.text(rng.int(100)));
  if (rng.chance(0.05)) add('x-acs-bogus', rng.pick(['\u00e9\u00e8', '\x01', 'a\x00b', ' padded ']));
  if (rng.chance(0.03)) add('bad header', 'x');
  if (rng.chance(0.03)) add('x-long', 'v'.repeat(rng.pick([1000, 10000, 20000])));
  if (rng.chance(0.03)) for (let i = 0; i < 150; i++) add(`x-many-${i}`, String(i));
  // Shuffled: some gateways care about order, this one must not.
  for (let i = headers.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [headers[i], headers[j]] = [headers[j]!, headers[i]!];
  }
  return headers;
}

function deepJson(depth: number, open: string, close: string): string {
  return `{"AppId":${open.repeat(depth)}${close.repeat(depth)}}`;
}

function randomBody(rng: Rng): Buffer {
  switch (rng.int(12)) {
    case 0:
    case 1:
    case 2:
      return Buffer.alloc(0);
    case 3:
      return rng.bytes(rng.int(4096));
    case 4:
      return Buffer.from(rng.pick(['{"a":', '{', '"', '{"AppId":"x",}', 'nul', '\u0000', '{"a":1}}']));
    case 5:
      return Buffer.from(rng.pick(['[1,2,3]', '[]', '"text"', '42', 'null', '[{"AppId":"x"}]']));
    case 6:
      return Buffer.from(
        rng.pick([
          deepJson(1000, '[', ']'),
          deepJson(8000, '[', ']'),
          deepJson(6000, '{"a":', '}'),
          `[${'['.repeat(3000)}${']'.repeat(3000)}]`,
        ]),
      );
    case 7:
      return Buffer.from(
        JSON.stringify({
          __proto__: { polluted: true },
          constructor: { prototype: { polluted: true } },
          AppId: rng.pick(REAL_APP_IDS),
        }).replace('"polluted"', '"__proto__"'),
      );
    case 8:
      return Buffer.from(
        `{"__proto__":{"isAdmin":true},"InstanceIds":${JSON.stringify(JSON.stringify(REAL_INSTANCE_IDS))},"RegionId":"cn-hangzhou"}`,
      );
    case 9:
      return Buffer.from(randomQuery(rng).slice(1));
    case 10:
      return Buffer.from(Array.from({ length: 2000 }, (_, i) => `k${i}=${i}`).join('&'));
    default:
      return Buffer.from(
        `Action=StopInstance&Version=2020-06-01&InstanceId=${rng.pick(REAL_INSTANCE_IDS)}&RegionId=cn-hangzhou&AccessKeyId=${DEMO_KEY.id}&Signature=${rng.hex(20)}&Timestamp=${encodeURIComponent(isoSeconds(Date.now()))}&SignatureNonce=${rng.hex(16)}`,
      );
  }
}

/** Paths under /_sandbox/ are only ever read (GET) when they name an admin route; the server routes on the part before `?`. */
function safeMethod(method: string, target: string): string {
  const isAdmin = target === '/_sandbox' || target.startsWith('/_sandbox/');
  return isAdmin && ADMIN_ROUTES.has(target.split('?')[0]!) ? 'GET' : method;
}

function randomRequest(rng: Rng): WireRequest {
  const path = randomPath(rng);
  const target = path + randomQuery(rng);
  const method = safeMethod(rng.pick(METHODS), target);
  const body = rng.chance(0.5) ? randomBody(rng) : Buffer.alloc(0);
  const framing: Framing = body.length === 0 ? rng.pick<Framing>(['none', 'none', 'length']) : rng.chance(0.3) ? 'chunked' : 'length';
  const chunks = framing === 'chunked' ? Array.from({ length: rng.int(6) }, () => 1 + rng.int(200)) : undefined;
  const version = rng.chance(0.05) ? rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTX/1.1', 'HTTP/1.1 extra']) : undefined;
  return {
    kind: 'random',
    method,
    target,
    headers: randomHeaders(rng, body),
    body,
    framing,
    ...(chunks ? { chunks } : {}),
    ...(version ? { version } : {}),
  };
}

/**
 * A correctly signed ACS3 request with nasty contents. Mutating actions only ever name ids that
 * do not exist, or real ids with exactly one defect (wrong region or namespace, or a broken
 * credential), so none of them may succeed.
 */
function signedGarbage(rng: Rng, usedNonces: string[]): WireRequest & { readonly mutating: boolean } {
  const sae = rng.chance(0.5);
  const route = rng.pick(SAE_ROUTES);
  const action = sae
    ? route.action
    : rng.chance(0.85)
      ? rng.pick(SWAS_ACTIONS)
      : rng.pick([...NASTY_NAMES, 'DeleteInstance', 'ResetSystem']);
  const mutating = MUTATING.has(action);
  const fakeId = () =>
    rng.pick([
      ...NASTY_NAMES,
      rng.hex(32),
      rng.pick(REAL_INSTANCE_IDS).toUpperCase(),
      `${rng.pick(REAL_APP_IDS)}x`,
      rng.pick(REAL_APP_IDS).toUpperCase(),
      '*',
      '%',
      '..',
      'a'.repeat(5000),
    ]);
  const anyId = () => (mutating ? fakeId() : rng.chance(0.5) ? rng.pick([...REAL_APP_IDS, ...REAL_INSTANCE_IDS]) : fakeId());
  // A mutating call with real ids carries exactly one defect that must make it fail.
  const realWithDefect = mutating && rng.chance(0.35);
  const defect = realWithDefect
    ? rng.pick(['region', 'secret', 'unknown-key', 'stale', 'future', 'sts-no-token', 'sts-wrong-token', 'bad-date'] as const)
    : undefined;
  const query: Array<[string, string]> = [];
  if (sae) {
    if (realWithDefect) {
      if (action === 'BatchStopApplications' || action === 'BatchStartApplications') {
        query.push(
          ['NamespaceId', defect === 'region' ? 'cn-shanghai:staging' : 'cn-hangzhou:dev'],
          ['AppIds', `${REAL_APP_IDS[0]},${REAL_APP_IDS[1]}`],
        );
      } else query.push(['AppId', defect === 'region' ? `${REAL_APP_IDS[0]}0` : rng.pick(REAL_APP_IDS)]);
    } else {
      const n = rng.int(5);
      for (let i = 0; i < n; i++)
        query.push([
          rng.pick([
            'AppId',
            'AppIds',
            'NamespaceId',
            'ChangeOrderId',
            'PageSize',
            'CurrentPage',
            'Tags',
            'FieldType',
            'FieldValue',
            'CoType',
            ...NASTY_NAMES,
          ]),
          rng.chance(0.5) ? anyId() : nastyValue(rng),
        ]);
    }
  } else {
    if (realWithDefect) {
      const region = defect === 'region' ? 'cn-beijing' : 'cn-hangzhou';
      if (action === 'StopInstances' || action === 'StartInstances')
        query.push(['RegionId', region], ['InstanceIds', JSON.stringify([REAL_INSTANCE_IDS[0]])]);
      else query.push(['RegionId', region], ['InstanceId', REAL_INSTANCE_IDS[0]!]);
    } else {
      if (rng.chance(0.8)) query.push(['RegionId', rng.pick(['cn-hangzhou', 'cn-shanghai', '__proto__', ''])]);
      const n = rng.int(5);
      for (let i = 0; i < n; i++) {
        query.push([
          rng.pick([
            'InstanceId',
            'InstanceIds',
            'ClientToken',
            'PageSize',
            'PageNumber',
            'InstanceName',
            'Status',
            'Tag.1.Key',
            'Tag.1.Value',
            'Tag.0.Key',
            'Tag.21.Key',
            'ForceStop',
            ...NASTY_NAMES,
          ]),
          rng.chance(0.5) ? anyId() : nastyValue(rng),
        ]);
      }
      if (mutating && rng.chance(0.5)) query.push(['InstanceIds', JSON.stringify([fakeId(), fakeId()])]);
    }
  }
  // Percent-decoding garbage would fail before the signature: keep the signed values decodable.
  const decodable = query.map(([k, v]): [string, string] => [k, v.replace(/[\uD800-\uDFFF]/g, '?')]);
  // Bodies only where they cannot override a real id: real-id calls go without one.
  let body: Buffer = Buffer.alloc(0);
  let contentType: string | undefined;
  if (!realWithDefect && rng.chance(0.3)) {
    const kind = rng.int(4);
    if (kind === 0) {
      contentType = 'application/json; charset=utf-8';
      body = Buffer.from(
        JSON.stringify({ AppId: anyId(), InstanceId: anyId(), __proto__: { x: 1 }, constructor: 'x', Deep: [[[[{ a: 1 }]]]] }),
      );
    } else if (kind === 1) {
      contentType = 'application/x-www-form-urlencoded';
      body = Buffer.from(`InstanceId=${encodeURIComponent(anyId())}&__proto__=x&constructor=y&AppId=${encodeURIComponent(anyId())}`);
    } else if (kind === 2) {
      contentType = 'application/json';
      body = Buffer.from(rng.pick(['[1,2]', '{"a":', 'null', '"s"']));
    } else {
      contentType = rng.pick(['text/plain', 'application/octet-stream']);
      body = rng.bytes(rng.int(512));
    }
  }
  let key: { id: string; secret: string; token?: string } = rng.chance(0.85) ? DEMO_KEY : STS_KEY;
  let when = Date.now();
  let dateText: string | undefined;
  switch (defect) {
    case 'secret':
      key = { id: DEMO_KEY.id, secret: 'not-the-secret' };
      break;
    case 'unknown-key':
      key = { id: 'LTAInobody', secret: DEMO_KEY.secret };
      break;
    case 'stale':
      when -= 20 * 60_000;
      break;
    case 'future':
      when += 20 * 60_000;
      break;
    case 'sts-no-token':
      key = { id: STS_KEY.id, secret: STS_KEY.secret };
      break;
    case 'sts-wrong-token':
      key = { ...STS_KEY, token: 'not-the-token' };
      break;
    case 'bad-date':
      dateText = rng.pick(['2024-02-30T00:00:00Z', isoSeconds(when).replace('Z', '+00:00'), new Date(when).toUTCString()]);
      break;
    default:
  }
  const reuse = !realWithDefect && usedNonces.length > 0 && rng.chance(0.05);
  const nonce = reuse ? rng.pick(usedNonces) : rng.hex(32);
  usedNonces.push(nonce);
  const method = sae ? (rng.chance(0.9) ? route.method : rng.pick(['GET', 'PUT', 'POST', 'DELETE'])) : rng.pick(['POST', 'GET']);
  const path = sae ? route.path : '/';
  const signed = signAcs3({
    method,
    path,
    query: decodable,
    action: sae && rng.chance(0.3) ? undefined : action,
    version: sae ? (rng.chance(0.9) ? '2019-05-06' : undefined) : '2020-06-01',
    body,
    ...(contentType ? { contentType } : {}),
    keyId: key.id,
    secret: key.secret,
    ...(key.token !== undefined ? { token: key.token } : {}),
    date: dateText ?? isoSeconds(when),
    nonce,
  });
  return {
    kind: `signed ${action}${defect ? ` (${defect})` : ''}`,
    method,
    target: signed.target,
    headers: signed.headers,
    body,
    framing: body.length ? 'length' : 'none',
    mutating,
  };
}

// ---------------------------------------------------------------------------------------------
// Genuine signed requests, captured from Alibaba's own clients, and one-byte mangles of them.

interface PopConfig {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
}
interface PopRpcClient {
  request(action: string, params: object, options?: object): Promise<unknown>;
}
interface PopRoaClient {
  request(method: string, path: string, query?: object, body?: string, headers?: object): Promise<unknown>;
}
const require = createRequire(import.meta.url);
const $OpenApi = require('@alicloud/openapi-client') as typeof OpenApiModule.default;
const $Util = require('@alicloud/tea-util') as typeof TeaUtilModule;
const popCore = require('@alicloud/pop-core') as {
  RPCClient: new (config: PopConfig) => PopRpcClient;
  ROAClient: new (config: PopConfig) => PopRoaClient;
};

type Scheme = 'acs3' | 'roa-v1' | 'rpc-v1';

interface Captured {
  readonly label: string;
  readonly scheme: Scheme;
  readonly method: string;
  readonly url: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

function openApi(capturePort: number, extra: Record<string, unknown> = {}): InstanceType<typeof $OpenApi.default> {
  return new $OpenApi.default(
    new $OpenApi.Config({
      accessKeyId: DEMO_KEY.id,
      accessKeySecret: DEMO_KEY.secret,
      endpoint: `127.0.0.1:${capturePort}`,
      protocol: 'http',
      readTimeout: 5000,
      connectTimeout: 5000,
      ...extra,
    }),
  );
}

function callApi(
  client: InstanceType<typeof $OpenApi.default>,
  style: 'ROA' | 'RPC',
  action: string,
  method: string,
  pathname: string,
  request: { query?: Record<string, string>; body?: Record<string, string> },
): Promise<unknown> {
  const params = new $OpenApi.Params({
    action,
    version: style === 'ROA' ? '2019-05-06' : '2020-06-01',
    protocol: 'HTTP',
    pathname,
    method,
    authType: 'AK',
    style,
    reqBodyType: style === 'ROA' ? 'json' : 'formData',
    bodyType: 'json',
  });
  return client.callApi(params, new $OpenApi.OpenApiRequest(request), new $Util.RuntimeOptions({}));
}

/** Drives each client once against a local recorder and keeps the request exactly as it arrived. */
async function captureGenuineRequests(): Promise<Captured[]> {
  const seen: Array<Omit<Captured, 'label' | 'scheme'>> = [];
  const recorder: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ RequestId: 'captured', Code: '200', Success: true, Data: {} }));
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const at = (recorder.address() as AddressInfo).port;
  const pop = { endpoint: `http://127.0.0.1:${at}`, accessKeyId: DEMO_KEY.id, accessKeySecret: DEMO_KEY.secret };
  const [devApi, devWeb, stagingApi] = REAL_APP_IDS;
  const [devBox, demoShop, demoBlog] = REAL_INSTANCE_IDS;
  const plan: Array<[string, Scheme, () => Promise<unknown>]> = [
    [
      'openapi-client ACS3 ROA StopApplication',
      'acs3',
      () => callApi(openApi(at), 'ROA', 'StopApplication', 'PUT', '/pop/v1/sam/app/stopApplication', { query: { AppId: devApi! } }),
    ],
    [
      'openapi-client ACS3 ROA BatchStopApplications, JSON body',
      'acs3',
      () =>
        callApi(openApi(at), 'ROA', 'BatchStopApplications', 'PUT', '/pop/v1/sam/app/batchStopApplications', {
          body: { NamespaceId: 'cn-hangzhou:dev', AppIds: `${devApi},${devWeb}` },
        }),
    ],
    [
      'openapi-client ACS3 RPC StopInstance',
      'acs3',
      () =>
        callApi(openApi(at), 'RPC', 'StopInstance', 'POST', '/', {
          query: { RegionId: 'cn-hangzhou', InstanceId: devBox!, ClientToken: 'fuzz-capture-1' },
        }),
    ],
    [
      'openapi-client ACS3 RPC StopInstances, form body',
      'acs3',
      () =>
        callApi(openApi(at), 'RPC', 'StopInstances', 'POST', '/', {
          body: { RegionId: 'cn-shanghai', InstanceIds: JSON.stringify([demoShop, demoBlog]) },
        }),
    ],
    [
      'openapi-client v2 ROA StopApplication (acs AK:sig)',
      'roa-v1',
      () =>
        callApi(openApi(at, { signatureAlgorithm: 'v2' }), 'ROA', 'StopApplication', 'PUT', '/pop/v1/sam/app/stopApplication', {
          query: { AppId: stagingApi! },
        }),
    ],
    [
      'openapi-client v2 RPC StopInstance (Signature in query)',
      'rpc-v1',
      () =>
        callApi(openApi(at, { signatureAlgorithm: 'v2' }), 'RPC', 'StopInstance', 'POST', '/', {
          query: { RegionId: 'cn-shanghai', InstanceId: demoShop! },
        }),
    ],
    [
      'pop-core RPC POST StopInstances (Signature in form body)',
      'rpc-v1',
      () =>
        new popCore.RPCClient({ ...pop, apiVersion: '2020-06-01' }).request(
          'StopInstances',
          { RegionId: 'cn-hangzhou', InstanceIds: JSON.stringify([devBox]) },
          { method: 'POST' },
        ),
    ],
    [
      'pop-core ROA PUT StopApplication (content-md5)',
      'roa-v1',
      () =>
        new popCore.ROAClient({ ...pop, apiVersion: '2019-05-06' }).request(
          'PUT',
          '/pop/v1/sam/app/stopApplication',
          { AppId: devWeb! },
          '',
          {},
        ),
    ],
  ];
  const out: Captured[] = [];
  try {
    for (const [label, scheme, call] of plan) {
      seen.length = 0;
      await call();
      if (seen.length !== 1) throw new Error(`${label}: captured ${seen.length} requests`);
      out.push({ label, scheme, ...seen[0]! });
    }
  } finally {
    await new Promise<void>((resolve) => recorder.close(() => resolve()));
  }
  return out;
}

function replayOf(
  c: Captured,
  kind: string,
  patch: { url?: string; headers?: ReadonlyArray<readonly [string, string]>; body?: Buffer } = {},
): WireRequest {
  const headers = (patch.headers ?? c.headers).filter(
    ([k]) => !['content-length', 'transfer-encoding', 'connection'].includes(k.toLowerCase()),
  );
  const body = patch.body ?? c.body;
  const hadLength = c.headers.some(([k]) => ['content-length', 'transfer-encoding'].includes(k.toLowerCase()));
  return { kind, method: c.method, target: patch.url ?? c.url, headers, body, framing: body.length > 0 || hadLength ? 'length' : 'none' };
}

/** Signed header names per scheme: a one-byte change in any of these must break the signature. */
function mangleableHeaders(c: Captured): { values: string[]; names: string[] } {
  const names = c.headers.map(([k]) => k.toLowerCase());
  if (c.scheme === 'acs3') {
    const auth = c.headers.find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
    const signed = /SignedHeaders=([^,]*)/.exec(auth)?.[1]?.split(';') ?? [];
    return { values: [...signed, 'authorization'], names: [...signed, 'authorization'] };
  }
  if (c.scheme === 'roa-v1') {
    const signed = names.filter(
      (k) => ['accept', 'date', 'content-md5', 'content-type', 'authorization'].includes(k) || k.startsWith('x-acs-'),
    );
    return { values: signed, names: signed };
  }
  // RPC v1 signs parameters, not headers; only x-acs-action is held to the signed Action.
  return { values: names.filter((k) => k === 'x-acs-action'), names: [] };
}

/** Whether the body is covered: ACS3 by its digest, pop-core ROA by content-md5, RPC v1 when the parameters travel in it. */
function bodyIsSigned(c: Captured): boolean {
  if (c.body.length === 0) return false;
  if (c.scheme === 'roa-v1') return c.headers.some(([k]) => k.toLowerCase() === 'content-md5');
  return true;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Changes one byte: replaced, removed or added. Never whitespace (which HTTP trims), and never a
 * mere change of letter case (header names and percent-escapes are case-insensitive).
 */
function mangleText(rng: Rng, text: string, anyByte: boolean): { text: string; how: string } {
  const candidates = [...text].map((ch, i) => ({ ch, i })).filter(({ ch }) => !/\s/.test(ch));
  const op = candidates.length === 0 ? 'add' : rng.pick(['flip', 'remove', 'add'] as const);
  const replacement = (original: string): string => {
    for (;;) {
      const c = anyByte && rng.chance(0.3) ? String.fromCharCode(0x21 + rng.int(0x5e)) : rng.pick([...ALNUM]);
      if (c.toLowerCase() !== original.toLowerCase()) return c;
    }
  };
  if (op === 'add') {
    const at = rng.int(text.length + 1);
    const c = replacement('');
    return { text: text.slice(0, at) + c + text.slice(at), how: `add ${JSON.stringify(c)} at ${at}` };
  }
  const { ch, i } = rng.pick(candidates);
  if (op === 'remove') return { text: text.slice(0, i) + text.slice(i + 1), how: `remove ${JSON.stringify(ch)} at ${i}` };
  const c = replacement(ch);
  return { text: text.slice(0, i) + c + text.slice(i + 1), how: `flip ${JSON.stringify(ch)}->${JSON.stringify(c)} at ${i}` };
}

function mangle(rng: Rng, c: Captured): WireRequest {
  const { values, names } = mangleableHeaders(c);
  const regions = [
    'url',
    'url',
    ...(values.length ? ['header-value', 'header-value'] : []),
    ...(names.length ? ['header-name'] : []),
    ...(bodyIsSigned(c) ? ['body', 'body'] : []),
  ];
  const region = rng.pick(regions);
  if (region === 'url') {
    const m = mangleText(rng, c.url, true);
    return replayOf(c, `mangled ${c.label}: url ${m.how}`, { url: m.text });
  }
  if (region === 'body') {
    const m = mangleText(rng, c.body.toString('latin1'), true);
    return replayOf(c, `mangled ${c.label}: body ${m.how}`, { body: Buffer.from(m.text, 'latin1') });
  }
  const pool = region === 'header-name' ? names : values;
  const target = rng.pick(pool);
  const headers = c.headers.map(([k, v]): [string, string] => {
    if (k.toLowerCase() !== target) return [k, v];
    return region === 'header-name' ? [mangleText(rng, k, false).text, v] : [k, mangleText(rng, v, false).text];
  });
  const changed = headers.find(([k, v], i) => k !== c.headers[i]![0] || v !== c.headers[i]![1]);
  return replayOf(c, `mangled ${c.label}: ${region} ${target} -> ${JSON.stringify(changed)}`, { headers });
}

/** The request as the server hands it to the gateway (header names lower-cased, repeats joined). */
function received(req: WireRequest): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) {
    const name = k.toLowerCase();
    headers[name] = headers[name] === undefined ? v : `${headers[name]}, ${v}`;
  }
  return { method: req.method, url: req.target, headers, body: req.body };
}

// ---------------------------------------------------------------------------------------------

let sandbox: Sandbox;
let control: Sandbox;
let before: SandboxState;
let captured: Captured[];

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

async function expectUntouched(context: string): Promise<void> {
  expect(await getJson<SandboxState>(`${sandbox.url}/_sandbox/state`), `${context}: state changed (seed 0x${SEED.toString(16)})`).toEqual(
    before,
  );
  const executed = (await getJson<CallRecord[]>(`${sandbox.url}/_sandbox/calls`)).filter((c) => c.executed);
  expect(executed, `${context}: calls executed (seed 0x${SEED.toString(16)})`).toEqual([]);
}

beforeAll(async () => {
  const seed = await readSeed(demoSeedPath());
  sandbox = await startSandbox({ seed, rateLimits: false });
  // A second sandbox proves each captured request genuine: unmangled, it executes there.
  control = await startSandbox({ seed, rateLimits: false });
  port = Number(new URL(sandbox.url).port);
  before = await getJson<SandboxState>(`${sandbox.url}/_sandbox/state`);
  captured = await captureGenuineRequests();
});

afterAll(async () => {
  agent.destroy();
  await Promise.all([sandbox?.close(), control?.close()]);
});

describe(`sandbox fuzz (seed 0x${SEED.toString(16)})`, () => {
  it(`survives ${RANDOM_REQUESTS} random requests and ${SIGNED_GARBAGE} well-signed nasty ones; only admin reads succeed`, async () => {
    const rng = new Rng(SEED);
    const requests: Array<WireRequest & { mutating?: boolean }> = Array.from({ length: RANDOM_REQUESTS }, () => randomRequest(rng));
    const nonces: string[] = [];
    for (let i = 0; i < SIGNED_GARBAGE; i++) requests.splice(rng.int(requests.length + 1), 0, signedGarbage(rng, nonces));
    const viaHttp = requests.map(() => rng.chance(0.25));
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    await pool(requests, CONCURRENCY, async (req, i) => {
      const { status } = await send(req, viaHttp[i]!);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const ok = status >= 200 && status < 300;
      const adminRead = req.method === 'GET' && (req.target === '/_sandbox' || req.target.startsWith('/_sandbox/'));
      if (status === -1) problems.push(`no answer within ${REQUEST_TIMEOUT_MS} ms: ${describeRequest(req, i)}`);
      else if (ok && req.kind === 'random' && !adminRead) problems.push(`${status} to an unsigned request: ${describeRequest(req, i)}`);
      else if (ok && req.mutating) problems.push(`${status} to a mutating call that must fail: ${describeRequest(req, i)}`);
    });
    expect(problems, `seed 0x${SEED.toString(16)}; statuses ${JSON.stringify([...statuses].sort(([a], [b]) => a - b))}`).toEqual([]);
    // The same corpus in-process, on a gateway of its own: dispatch promises never to throw.
    const gateway = new Gateway({ seed: await readSeed(demoSeedPath()), rateLimits: false });
    const throws: string[] = [];
    for (const [i, req] of requests.entries()) {
      try {
        gateway.dispatch(received(req));
      } catch (error) {
        throws.push(`${String(error)}: ${describeRequest(req, i)}`);
      }
    }
    expect(throws, `seed 0x${SEED.toString(16)}: Gateway.dispatch threw`).toEqual([]);
    // Both kinds of answer occurred: the generator reaches the gateway, and the server refuses at the HTTP layer too.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    expect(statuses.get(0) ?? 0).toBeGreaterThan(10);
    await expectUntouched('after the random requests');
  });

  it('refuses every one-byte mangle of genuine signed requests from the real clients', async () => {
    const rng = new Rng(SEED ^ 0x9e3779b9);
    expect(captured.map((c) => c.label)).toHaveLength(8);
    for (const c of captured) {
      control.gateway.reset();
      const { status, body } = await sendRaw(replayOf(c, `genuine ${c.label}`), Number(new URL(control.url).port));
      expect(status, `${c.label} unmangled on the control sandbox: ${body}`).toBe(200);
      expect(
        control.gateway.calls().map((call) => call.executed),
        c.label,
      ).toEqual([true]);
    }
    const mangled = captured.flatMap((c) => Array.from({ length: MANGLES_PER_CAPTURE }, () => mangle(rng, c)));
    const problems: string[] = [];
    await pool(mangled, CONCURRENCY, async (req, i) => {
      const { status, body } = await sendRaw(req);
      if (status === -1 || (status >= 200 && status < 300)) problems.push(`${status} ${body.slice(0, 200)}: ${describeRequest(req, i)}`);
    });
    expect(problems, `seed 0x${SEED.toString(16)}`).toEqual([]);
    await expectUntouched('after the mangled requests');
  });

  it('survives raw socket abuse', async () => {
    const genuine = captured[0]!;
    const signedHead = serialize(replayOf(genuine, 'head'), false)
      .toString('latin1')
      .replace(/\r\n\r\n$/, '');
    const state = JSON.stringify(before);
    const problems: string[] = [];
    const check = async (
      label: string,
      run: Promise<{ responses: ParsedResponse[]; timedOut: boolean }>,
      allow: (statuses: number[]) => boolean,
    ) => {
      const { responses, timedOut } = await run;
      const statuses = responses.map((r) => r.status);
      if (!allow(statuses)) problems.push(`${label}: answered ${JSON.stringify(statuses)}${timedOut ? ' (timed out)' : ''}`);
      if ((await fetch(`${sandbox.url}/_sandbox/state`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).status !== 200)
        problems.push(`${label}: server down afterwards`);
    };
    // Refused: no 2xx answer (none at all counts: a closed connection).
    const refused = (s: number[]) => s.every((x) => x >= 300);

    await check('truncated request line', rawExchange(Buffer.from('GET /pop/v1/sam/app/listApp'), { endAfterWrite: true }), refused);
    await check(
      'truncated headers of a signed request',
      rawExchange(Buffer.from(signedHead.slice(0, signedHead.length - 40)), { endAfterWrite: true }),
      refused,
    );
    // The genuine signed StopApplication, complete headers, but a body it promised never comes.
    await check(
      'signed headers, body promised, then close',
      rawExchange(Buffer.from(`${signedHead}\r\ncontent-length: 50\r\n\r\n`), { destroyAfterWrite: true }),
      refused,
    );
    await check(
      'signed headers, half a body, then half-close',
      rawExchange(Buffer.from(`${signedHead}\r\ncontent-length: 50\r\n\r\n{"AppId":`), { endAfterWrite: true }),
      refused,
    );
    await check(
      'headers only, no blank line, then close',
      rawExchange(Buffer.from('POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json'), { destroyAfterWrite: true }),
      refused,
    );
    await check('request line of 100 kB', rawExchange(Buffer.from(`GET /${'a'.repeat(100 * 1024)} HTTP/1.1\r\nhost: x\r\n\r\n`)), refused);
    await check(
      '2,000 headers',
      rawExchange(Buffer.from(`GET / HTTP/1.1\r\n${Array.from({ length: 2000 }, (_, i) => `x-h${i}: ${i}\r\n`).join('')}\r\n`)),
      refused,
    );
    await check(
      'declared length over the limit, small body',
      rawExchange(
        Buffer.from(`PUT /pop/v1/sam/app/stopApplication HTTP/1.1\r\nhost: x\r\ncontent-length: ${MAX_BODY_BYTES + 1}\r\n\r\nabc`),
      ),
      (s) => s.length === 1 && s[0] === 413,
    );
    await check(
      'chunked body over the limit',
      rawExchange(
        serialize({
          kind: 'big',
          method: 'POST',
          target: '/',
          headers: [
            ['host', 'x'],
            ['content-type', 'application/json'],
          ],
          body: Buffer.alloc(MAX_BODY_BYTES + 100, 0x61),
          framing: 'chunked',
          chunks: Array.from({ length: 20 }, () => 65536),
        }),
      ),
      (s) => s.length === 1 && s[0] === 413,
    );
    await check(
      'bad chunk size',
      rawExchange(Buffer.from('POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')),
      refused,
    );
    await check(
      'content-length and transfer-encoding both',
      rawExchange(
        Buffer.from('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'),
      ),
      refused,
    );
    await check(
      'expect 100-continue, then close',
      rawExchange(Buffer.from(`${signedHead}\r\nexpect: 100-continue\r\ncontent-length: 10\r\n\r\n`), { destroyAfterWrite: true }),
      refused,
    );
    await check('binary garbage', rawExchange(new Rng(SEED + 1).bytes(4096)), refused);
    await check(
      'NUL in a header value',
      rawExchange(Buffer.from('GET /_sandbox/state HTTP/1.1\r\nhost: x\r\nx-a: a\u0000b\r\n\r\n')),
      refused,
    );
    await check(
      'bare LF line endings, unsigned',
      rawExchange(Buffer.from('PUT /pop/v1/sam/app/stopApplication?AppId=0099b7be-5f5b-4512-a7fc-56049ef1aaaa HTTP/1.1\nhost: x\n\n')),
      refused,
    );
    await check(
      'HTTP/0.9 style request',
      rawExchange(Buffer.from('PUT /pop/v1/sam/app/stopApplication?AppId=0099b7be-5f5b-4512-a7fc-56049ef1aaaa\r\n\r\n')),
      refused,
    );
    await check(
      'HTTP/1.0 admin read',
      rawExchange(Buffer.from('GET /_sandbox/state HTTP/1.0\r\n\r\n')),
      (s) => s.length === 1 && s[0] === 200,
    );
    const http10 = await rawExchange(Buffer.from('GET /_sandbox/state HTTP/1.0\r\n\r\n'));
    if (http10.responses[0]?.body !== state) problems.push(`HTTP/1.0 state read answered ${http10.responses[0]?.body.slice(0, 200)}`);
    await check(
      'HTTP/1.0 unsigned stop',
      rawExchange(
        Buffer.from('PUT /pop/v1/sam/app/stopApplication?AppId=0099b7be-5f5b-4512-a7fc-56049ef1aaaa HTTP/1.0\r\ncontent-length: 0\r\n\r\n'),
      ),
      refused,
    );
    await check(
      'a signed request sent one byte at a time, never finished',
      rawExchange(
        [...Buffer.from(signedHead.slice(0, 60))].map((b) => Buffer.from([b])),
        { destroyAfterWrite: true },
      ),
      refused,
    );
    const pipeline = [
      'GET /_sandbox/state HTTP/1.1\r\nhost: x\r\n\r\n',
      'GET /_sandbox/nothing HTTP/1.1\r\nhost: x\r\n\r\n',
      'PUT /pop/v1/sam/app/stopApplication?AppId=0099b7be-5f5b-4512-a7fc-56049ef1aaaa HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}',
      'POST /?Action=StopInstance HTTP/1.1\r\nhost: x\r\nx-acs-version: 2020-06-01\r\nauthorization: ACS3-HMAC-SHA256 Credential=sandbox-ak,SignedHeaders=host,Signature=00\r\n\r\n',
      'HEAD /_sandbox/state HTTP/1.1\r\nhost: x\r\n\r\n',
      'GET /_sandbox/state HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    ].join('');
    await check(
      'six pipelined requests',
      rawExchange(Buffer.from(pipeline), { expect: 6, headOnly: [false, false, false, false, true, false] }),
      (s) => JSON.stringify(s) === JSON.stringify([200, 404, 400, 400, 404, 200]),
    );
    await check(
      'pipelined, a malformed one in the middle',
      rawExchange(
        Buffer.from('GET /_sandbox/state HTTP/1.1\r\nhost: x\r\n\r\nGARBAGE\r\n\r\nGET /_sandbox/state HTTP/1.1\r\nhost: x\r\n\r\n'),
        { expect: 2 },
      ),
      (s) => s.length <= 1 && (s[0] ?? 200) === 200,
    );
    // Two hundred connections opened and dropped at once.
    await Promise.all(Array.from({ length: 200 }, (_, i) => rawExchange(Buffer.from(i % 2 ? 'G' : ''), { destroyAfterWrite: true })));
    expect(problems, `seed 0x${SEED.toString(16)}`).toEqual([]);
    await expectUntouched('after the socket abuse');
  });

  it('still answers a correct signed ListInstances, with state and call log untouched', async () => {
    const client = new $OpenApi.default(
      new $OpenApi.Config({
        accessKeyId: DEMO_KEY.id,
        accessKeySecret: DEMO_KEY.secret,
        endpoint: `127.0.0.1:${port}`,
        protocol: 'http',
        readTimeout: 5000,
        connectTimeout: 5000,
      }),
    );
    const answer = (await callApi(client, 'RPC', 'ListInstances', 'POST', '/', { query: { RegionId: 'cn-shanghai' } })) as {
      statusCode: number;
      body: { Instances?: Array<{ InstanceId: string }> };
    };
    expect(answer.statusCode).toBe(200);
    expect(answer.body.Instances?.map((i) => i.InstanceId).sort()).toEqual(
      REAL_INSTANCE_IDS.slice(1).concat('2f6e1c0a9b8d4e7f8a6b5c4d3e2f1a03').sort(),
    );
    await expectUntouched('at the end');
    const calls = await getJson<CallRecord[]>(`${sandbox.url}/_sandbox/calls`);
    expect(calls.length).toBeGreaterThan(500);
    expect(calls.at(-1)).toMatchObject({ action: 'ListInstances', code: null, executed: false });
  });

  // Found by this fuzzer: JSON.parse takes deep nesting (it is iterative), but re-serialising a
  // nested value for the parameter map overflowed the stack, so dispatch threw and the server
  // dropped the connection without an answer. Fixed in lib/sandbox/request.ts; kept as a regression.
  it('answers 400 to an unsigned JSON body nested 8,000 deep, in-process and over HTTP', async () => {
    const body = Buffer.from(deepJson(8000, '[', ']'));
    const req: WireRequest = {
      kind: 'deep json',
      method: 'POST',
      target: '/',
      headers: [
        ['host', 'x'],
        ['content-type', 'application/json'],
      ],
      body,
      framing: 'length',
    };
    const gateway = new Gateway({ seed: await readSeed(demoSeedPath()), rateLimits: false });
    expect(gateway.dispatch(received(req)).status).toBe(400);
    const { status, body: answer } = await sendRaw(req);
    expect(status, answer).toBe(400);
    expect(JSON.parse(answer)).toMatchObject({ Code: 'InvalidParameter.Format' });
    await expectUntouched('after the deep JSON body');
  });
});
