import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Gateway } from '../lib/sandbox/gateway.js';
import { demoSeedPath, readSeed } from '../lib/sandbox/seed.js';
import { startSandbox } from '../lib/sandbox/server.js';
import type { ReceivedRequest } from '../lib/sandbox/signature.js';
import { median, type BenchSection } from './section.js';

/**
 * The sandbox's throughput on loopback with rate limits off: signed requests per second, each
 * with a fresh nonce and a signature the sandbox verifies. Baselines, measured in the same run:
 * - bare HTTP: a node:http server that answers the same requests with the same bytes, fixed, and
 *   does nothing else (what Node's HTTP stack costs, client and server);
 * - Gateway.dispatch in-process, no HTTP at all (what the gateway logic itself costs).
 * The load generator is node:http with a keep-alive Agent and 32 requests in flight.
 */

const REQUESTS = 20_000;
const WARMUP = 2_000;
const ROUNDS = 5;
const CONCURRENCY = 32;
/** The child-process figures use fewer requests per round: they only add the two-process view. */
const CHILD_REQUESTS = 10_000;

const KEY = { id: 'sandbox-ak', secret: 'sandbox-secret' };
const APP_ID = '0099b7be-5f5b-4512-a7fc-56049ef1aaaa';

interface Prepared {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
}

type Call = 'sae' | 'swas';

// ACS3-HMAC-SHA256 as the tea clients sign (docs/reference/client-wire-facts.md §1): every x-acs-* header and host
// signed, a hex SHA-256 of the (empty) body, no key derivation.
const sha256Hex = (data: string): string => createHash('sha256').update(data).digest('hex');
const EMPTY_SHA256 = sha256Hex('');
const pct = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function signAcs3(
  method: 'GET' | 'POST',
  pathname: string,
  query: Record<string, string>,
  action: string,
  version: string,
  host: string,
  date: string,
  nonce: string,
): Prepared {
  const headers: Record<string, string> = {
    host,
    'x-acs-version': version,
    'x-acs-action': action,
    'x-acs-date': date,
    'x-acs-signature-nonce': nonce,
    accept: 'application/json',
    'x-acs-content-sha256': EMPTY_SHA256,
  };
  const signed = Object.keys(headers)
    .filter((k) => k === 'host' || k.startsWith('x-acs-'))
    .sort();
  const keys = Object.keys(query).sort();
  const canonicalQuery = keys.map((k) => `${k}=${pct(query[k]!)}`).join('&');
  const canonical = [
    method,
    pathname,
    canonicalQuery,
    signed.map((k) => `${k}:${headers[k]!.trim()}\n`).join(''),
    signed.join(';'),
    EMPTY_SHA256,
  ].join('\n');
  const signature = createHmac('sha256', KEY.secret)
    .update(`ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`)
    .digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${KEY.id},SignedHeaders=${signed.join(';')},Signature=${signature}`;
  const wireQuery = Object.entries(query)
    .map(([k, v]) => `${pct(k)}=${pct(v)}`)
    .join('&');
  return { method, path: `${pathname}?${wireQuery}`, headers };
}

/** `count` requests signed just now, each with its own nonce (the sandbox refuses a nonce seen before). */
function presign(call: Call, count: number, port: number): Prepared[] {
  const host = `127.0.0.1:${port}`;
  const date = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const prefix = randomBytes(8).toString('hex');
  return Array.from({ length: count }, (_, i) => {
    const nonce = `${prefix}${i.toString(16).padStart(16, '0')}`;
    return call === 'sae'
      ? signAcs3(
          'GET',
          '/pop/v1/sam/app/describeApplicationStatus',
          { AppId: APP_ID },
          'DescribeApplicationStatus',
          '2019-05-06',
          host,
          date,
          nonce,
        )
      : signAcs3('POST', '/', { RegionId: 'cn-hangzhou' }, 'ListInstances', '2020-06-01', host, date, nonce);
  });
}

/** The request as server.ts hands it to the gateway (names lower-cased, node's own headers added). */
function asReceived(p: Prepared): ReceivedRequest {
  const headers: Record<string, string> = { ...p.headers, connection: 'keep-alive' };
  if (p.method === 'POST') headers['content-length'] = '0';
  return { method: p.method, url: p.path, headers, body: Buffer.alloc(0) };
}

function once(port: number, agent: Agent, p: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: p.method, path: p.path, headers: p.headers as OutgoingHttpHeaders, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends every request, CONCURRENCY in flight on keep-alive connections; requests per second. Throws unless every answer is 200. */
async function load(port: number, requests: readonly Prepared[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const failures = new Map<number, number>();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < requests.length) {
        const status = await once(port, agent, requests[next++]!);
        if (status !== 200) failures.set(status, (failures.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  if (failures.size) throw new Error(`bench sandbox: answers other than 200: ${JSON.stringify([...failures])}`);
  return requests.length / seconds;
}

/** A node:http server that answers every request with the same bytes, after reading the request to its end as the sandbox does. */
async function startBare(answer: string): Promise<{ port: number; close: () => Promise<void> }> {
  const length = Buffer.byteLength(answer);
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': length });
      res.end(answer);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the sandbox answers DescribeApplicationStatus with: the bare server sends these bytes. */
async function sandboxAnswer(): Promise<string> {
  const gateway = new Gateway({ seed: await readSeed(demoSeedPath()), rateLimits: false });
  const answer = gateway.dispatch(asReceived(presign('sae', 1, 1)[0]!));
  if (answer.status !== 200) throw new Error(`bench sandbox: the signer does not verify: ${answer.body}`);
  return answer.body;
}

/** `--serve bare|sandbox`: the server alone in this process; prints its port, runs until killed. */
async function serve(kind: string): Promise<void> {
  if (kind === 'bare') {
    const bare = await startBare(await sandboxAnswer());
    process.stdout.write(`${JSON.stringify({ port: bare.port })}\n`);
  } else {
    const sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateLimits: false });
    process.stdout.write(`${JSON.stringify({ port: Number(new URL(sandbox.url).port) })}\n`);
  }
}

async function spawnServer(kind: 'bare' | 'sandbox'): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench sandbox: the ${kind} server exited with ${code}`)));
  });
  lines.close();
  return { port: (JSON.parse(first) as { port: number }).port, child };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill();
  });
}

const perSecond = (n: number): string => `${Math.round(n).toLocaleString('en-US')}`;
const micros = (rps: number): string => `${(1e6 / rps).toFixed(1)} µs`;
const versus = (n: number, base: number): string => `${(n / base).toFixed(2)}x`;

export async function benchSandbox(): Promise<BenchSection> {
  const seed = await readSeed(demoSeedPath());
  const bare = await startBare(await sandboxAnswer());
  const sandbox = await startSandbox({ seed, rateLimits: false });
  const port = Number(new URL(sandbox.url).port);

  // Warm both servers and the client before any timing.
  await load(bare.port, presign('sae', WARMUP, bare.port));
  await load(port, presign('sae', WARMUP, port));
  await load(port, presign('swas', WARMUP, port));

  const figures = {
    bare: [] as number[],
    sae: [] as number[],
    swas: [] as number[],
    dispatchSae: [] as number[],
    dispatchSwas: [] as number[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Signed just before each round (dates stay fresh), outside the timed loop.
    figures.bare.push(await load(bare.port, presign('sae', REQUESTS, bare.port)));
    figures.sae.push(await load(port, presign('sae', REQUESTS, port)));
    figures.swas.push(await load(port, presign('swas', REQUESTS, port)));
    // The call log grows with every call; cleared between rounds, as a test run would.
    sandbox.gateway.clearCalls();
  }
  await Promise.all([bare.close(), sandbox.close()]);

  // The gateway alone: the same signed requests as the server would hand them over, no sockets.
  const gateway = new Gateway({ seed, rateLimits: false });
  for (const call of ['sae', 'swas'] as const) {
    for (const p of presign(call, WARMUP, port)) gateway.dispatch(asReceived(p));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const call of ['sae', 'swas'] as const) {
      const received = presign(call, REQUESTS, port).map(asReceived);
      const start = process.hrtime.bigint();
      for (const r of received) if (gateway.dispatch(r).status !== 200) throw new Error(`bench sandbox: dispatch refused ${r.url}`);
      const rps = REQUESTS / (Number(process.hrtime.bigint() - start) / 1e9);
      (call === 'sae' ? figures.dispatchSae : figures.dispatchSwas).push(rps);
    }
    gateway.clearCalls();
  }

  // Servers in a process of their own: the generator here, the server on the other core.
  const childBare = await spawnServer('bare');
  const childSandbox = await spawnServer('sandbox');
  const child = { bare: [] as number[], sae: [] as number[] };
  try {
    await load(childBare.port, presign('sae', WARMUP, childBare.port));
    await load(childSandbox.port, presign('sae', WARMUP, childSandbox.port));
    for (let round = 0; round < ROUNDS; round++) {
      child.bare.push(await load(childBare.port, presign('sae', CHILD_REQUESTS, childBare.port)));
      child.sae.push(await load(childSandbox.port, presign('sae', CHILD_REQUESTS, childSandbox.port)));
      await fetch(`http://127.0.0.1:${childSandbox.port}/_sandbox/calls`, { method: 'DELETE' });
    }
  } finally {
    await Promise.all([stop(childBare.child), stop(childSandbox.child)]);
  }

  const m = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, median(v)])) as Record<keyof typeof figures, number>;
  const c = { bare: median(child.bare), sae: median(child.sae) };
  const row = (measure: string, rps: number, base: number, target = '') => ({
    measure,
    [`requests/s (median of ${ROUNDS})`]: perSecond(rps),
    'per request': micros(rps),
    'vs bare HTTP': versus(rps, base),
    target,
  });
  return {
    title: `Sandbox throughput on loopback, rate limits off (${REQUESTS.toLocaleString('en-US')} requests a round, ${CONCURRENCY} in flight, keep-alive)`,
    rows: [
      row('bare node:http, fixed JSON answer (floor)', m.bare, m.bare),
      row('sandbox, signed ACS3 SAE DescribeApplicationStatus', m.sae, m.bare, '> 2,000/s'),
      row('sandbox, signed ACS3 SWAS ListInstances', m.swas, m.bare, '> 2,000/s'),
      row('Gateway.dispatch in-process, DescribeApplicationStatus (no HTTP)', m.dispatchSae, m.bare),
      row('Gateway.dispatch in-process, ListInstances (no HTTP)', m.dispatchSwas, m.bare),
      row(`server in a child process: bare node:http (${CHILD_REQUESTS.toLocaleString('en-US')} a round)`, c.bare, c.bare),
      row(
        `server in a child process: sandbox, DescribeApplicationStatus (${CHILD_REQUESTS.toLocaleString('en-US')} a round)`,
        c.sae,
        c.bare,
        '> 2,000/s',
      ),
    ],
    notes: [
      "vs bare HTTP = this rate / the bare server's rate in the same setting (in-process rows against the in-process bare row, child-process rows against the child bare row); 1.00x would mean the sandbox costs nothing beyond HTTP.",
      'Every request carries a fresh nonce and a valid ACS3 signature, pre-signed before the timed loop; a round fails unless every answer is 200. per request = 1 / rate (inverse throughput, not latency).',
      "In-process rows: load generator and server share one Node process and its one JavaScript thread (the kernel's loopback work can use the second core), so the client's own node:http work is in every figure: these rates understate what a server alone can do.",
      `Child-process rows: the server runs alone in \`node dist/bench/sandbox.js --serve\`, the generator here: one core each.`,
      `Gateway.dispatch rows: the same requests as plain objects, dispatched in a loop; per request = the gateway's own cost (routing, ACS3 check, nonce, model, JSON answer). Share of the HTTP round trip: ${((m.sae / m.dispatchSae) * 100).toFixed(0)}% for DescribeApplicationStatus.`,
    ],
  };
}

if (process.argv.includes('--serve')) await serve(process.argv[process.argv.indexOf('--serve') + 1] ?? 'sandbox');
