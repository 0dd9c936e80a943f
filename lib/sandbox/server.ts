import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FcHost, isFcPath, type FcAnswer, type HostedFunction, type InvocationRecord } from './fc.js';
import { Gateway, type CallRecord, type SandboxState } from './gateway.js';
import { Hooks } from './hooks.js';
import { parseSeed, type Seed } from './seed.js';
import type { ReceivedRequest } from './signature.js';

/**
 * The sandbox over real HTTP: one port serves SAE and SWAS (the gateway routes), Function Compute's
 * invoke APIs hosting offpeak's handler (fc.ts, paths under /2023-03-30/ and /2016-08-15/), and
 * `/_sandbox/` serves the admin API (unsigned, loopback only): state, calls, faults, reset, advance.
 */

/** Bodies above this are refused before they are read further, as a gateway would. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Request lines (method, path and query) above this are refused with 414, as a gateway's front
 * proxy does; lines above Node's header limit (16 KB) are reset before they are read. offpeak
 * keeps every request under it by chunking id lists (lib/cloud), and this makes a regression loud.
 */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;

/** How long close() waits for hosted function runs still going. */
const CLOSE_GRACE_MS = 3_000;

export interface SandboxOptions {
  /** 0 (default) takes any free port. */
  readonly port?: number;
  /** Listens here; loopback by default, since the admin API is unauthenticated. */
  readonly host?: string;
  readonly seed: Seed;
  readonly rateScale?: number;
  readonly rateLimits?: boolean;
  readonly faultSeed?: number;
  /** Environment of the hosted function over this process's own (OFFPEAK_SCHEDULES, say); its endpoint and rate scale are always this sandbox's. */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /** The function the FC invoke APIs run (offpeak's invocation core); without it they answer that none is hosted. */
  readonly hosted?: HostedFunction;
  /** The real clock, which signatures' dates are checked by (default Date.now; tests that move the clock pass their own). */
  readonly wallClock?: () => number;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, the base URL for clients (OFFPEAK_ENDPOINT). */
  readonly url: string;
  /** The gateway itself, for in-process tests that want state without a round trip. */
  readonly gateway: Gateway;
  /** The FC endpoints, for in-process tests that wait for async invocations (`fc.idle(ms)`). */
  readonly fc: FcHost;
  /** The group robots' webhooks under /_hooks/ (hooks.ts). */
  readonly hooks: Hooks;
  close(): Promise<void>;
}

/**
 * Starts the sandbox.
 * @example const sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()) }); ... await sandbox.close();
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const gateway = new Gateway(options);
  const fc = new FcHost({
    world: gateway,
    rateScale: options.rateScale ?? 1,
    ...(options.functionEnv ? { env: options.functionEnv } : {}),
    ...(options.hosted ? { hosted: options.hosted } : {}),
  });
  const hooks = new Hooks(() => Date.now());
  const server = createServer((req, res) => {
    serve(gateway, fc, hooks, req, res).catch(() => {
      // Whatever went wrong, the server stays up; the one connection is closed.
      res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  fc.attach(url);
  return {
    url,
    gateway,
    fc,
    hooks,
    close: async () => {
      // A function still running (an async invocation) gets a moment to finish against this server.
      await fc.idle(CLOSE_GRACE_MS);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

async function serve(gateway: Gateway, fc: FcHost, hooks: Hooks, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (Buffer.byteLength(req.url ?? '') > MAX_REQUEST_LINE_BYTES) {
    req.resume();
    const page =
      '<html><head><title>414 Request-URI Too Large</title></head><body><center><h1>414 Request-URI Too Large</h1></center></body></html>';
    res.writeHead(414, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page), connection: 'close' });
    res.end(page);
    return;
  }
  const body = await readBody(req);
  if (body === 'too-large') {
    writeJson(res, 413, { Code: 'RequestEntityTooLarge', Message: `The request body exceeds ${MAX_BODY_BYTES} bytes.` }, true);
    return;
  }
  const url = req.url ?? '/';
  if (url === '/_sandbox' || url.startsWith('/_sandbox/')) {
    admin(gateway, fc, hooks, req, res, url, body);
    return;
  }
  if (url.startsWith('/_hooks/')) {
    const answer = hooks.handle(req.method ?? 'GET', url, body);
    // A hanging robot: the timer does not keep a closing sandbox alive.
    if (answer.hangMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.hangMs).unref());
    if (res.destroyed) return;
    writeRaw(res, answer.status, answer.body);
    return;
  }
  const received: ReceivedRequest = { method: req.method ?? 'GET', url, headers: singleHeaders(req), body };
  if (isFcPath(url)) {
    const answer: FcAnswer = await fc.handle(received);
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
    return;
  }
  const answer = gateway.dispatch(received);
  if (answer.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, answer.latencyMs));
  if (answer.drop) {
    req.socket.destroy();
    return;
  }
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      // Chunked bodies have no length up front: count as they arrive and stop keeping them.
      if (size > MAX_BODY_BYTES) {
        refused = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(refused ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function singleHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function writeRaw(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function writeJson(res: ServerResponse, status: number, value: unknown, close = false): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

const isLoopback = (address: string | undefined) => address !== undefined && (/^(::ffff:)?127\./.test(address) || address === '::1');

function admin(gateway: Gateway, fc: FcHost, hooks: Hooks, req: IncomingMessage, res: ServerResponse, url: string, body: Buffer): void {
  if (!isLoopback(req.socket.remoteAddress)) {
    writeJson(res, 403, { error: 'the sandbox admin API answers loopback callers only' });
    return;
  }
  const route = `${req.method} ${url.split('?')[0]}`;
  const fail = (message: string) => writeJson(res, 400, { error: message });
  const json = (): unknown => JSON.parse(body.toString('utf8') || 'null') as unknown;
  try {
    switch (route) {
      case 'GET /_sandbox/state':
        return writeJson(res, 200, gateway.state() satisfies SandboxState);
      case 'GET /_sandbox/calls':
        return writeJson(res, 200, gateway.calls() satisfies readonly CallRecord[]);
      case 'GET /_sandbox/invocations':
        return writeJson(res, 200, fc.invocations() satisfies readonly InvocationRecord[]);
      case 'DELETE /_sandbox/calls':
        gateway.clearCalls();
        return writeJson(res, 200, { ok: true });
      case 'GET /_sandbox/faults':
        return writeJson(res, 200, gateway.faults.list());
      case 'POST /_sandbox/faults':
        gateway.faults.set(json());
        return writeJson(res, 200, { ok: true, faults: gateway.faults.list().length });
      case 'GET /_sandbox/hooks':
        return writeJson(res, 200, hooks.robots());
      case 'POST /_sandbox/hooks':
        hooks.setRobots(json());
        return writeJson(res, 200, { ok: true, robots: hooks.robots().length });
      case 'GET /_sandbox/messages':
        return writeJson(res, 200, hooks.messages());
      case 'DELETE /_sandbox/messages':
        hooks.clearMessages();
        return writeJson(res, 200, { ok: true });
      case 'POST /_sandbox/reset':
        gateway.reset(body.length > 0 ? parseSeed(body.toString('utf8'), 'reset body') : undefined);
        fc.clearInvocations();
        return writeJson(res, 200, { ok: true });
      case 'POST /_sandbox/advance': {
        const seconds = (json() as { seconds?: unknown } | null)?.seconds;
        if (typeof seconds !== 'number' || !(seconds >= 0) || !Number.isFinite(seconds))
          return fail('advance takes {"seconds": N} with N >= 0');
        gateway.advance(seconds * 1000);
        return writeJson(res, 200, { ok: true, now: new Date(gateway.now()).toISOString() });
      }
      default:
        return writeJson(res, 404, {
          error: `no admin route ${route}; routes: GET state, GET|DELETE calls, GET invocations, GET|POST faults, GET|POST hooks, GET|DELETE messages, POST reset, POST advance (under /_sandbox/)`,
        });
    }
  } catch (error) {
    // Bad admin input (a seed, a fault list, JSON) is the caller's mistake: say which, keep serving.
    return fail(error instanceof Error ? error.message : String(error));
  }
}
