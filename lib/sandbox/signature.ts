import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { decode, pairsOf } from './request.js';

/**
 * Request-signature verification for the emulated gateway: the four schemes the Alibaba Cloud
 * Node clients actually send (ACS3-HMAC-SHA256, v1 RPC and ROA HMAC-SHA1, FC 2.0 HMAC-SHA256),
 * recomputed from the request exactly as it arrived. See docs/reference/client-wire-facts.md for each scheme.
 */

/**
 * A request as received: method upper-case, url = raw path+query exactly as on the wire, headers with
 * lower-cased names (single string values), raw body bytes.
 */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/** The four signing schemes the gateway accepts. */
export type Scheme = 'acs3' | 'rpc-v1' | 'roa-v1' | 'fc';

/** Who claims to have signed a request, and with what: found without any secret. */
export interface Claim {
  readonly scheme: Scheme;
  readonly accessKeyId: string;
  /** STS token from x-acs-security-token, SecurityToken param (query or form body), or x-fc-security-token. */
  readonly securityToken?: string;
  /** The request's time text as sent: x-acs-date (acs3), Timestamp param (rpc-v1), date header (roa-v1, fc). */
  readonly dateText?: string;
  /** Its nonce: x-acs-signature-nonce header or SignatureNonce param; absent for fc. */
  readonly nonce?: string;
}

type Pair = readonly [string, string];

const ACS3_AUTH = /^ACS3-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]*),\s*Signature=([0-9a-fA-F]+)$/;
const ROA_AUTH = /^acs ([^:\s]+):(\S+)$/;
const FC_AUTH = /^FC ([^:\s]+):(\S+)$/;

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function queryOf(url: string): Pair[] | undefined {
  const q = url.indexOf('?');
  return pairsOf(q < 0 ? '' : url.slice(q + 1));
}

/** RPC v1 signs every parameter wherever it travelled: pop-core's POST puts all of them, Signature too, in a form body. */
function rpcParams(req: ReceivedRequest): Pair[] | undefined {
  const query = queryOf(req.url);
  if (!query) return undefined;
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) return query;
  const form = pairsOf(req.body.toString('utf8'));
  return form && query.concat(form);
}

// The SDKs' encodeURIComponent leaves `!'()*` alone, but the canonical forms escape them.
const pct = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// Code-unit order, as the SDKs' Object.keys(..).sort() gives; never locale order.
const byKey = (a: Pair, b: Pair): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const hmac = (alg: 'sha1' | 'sha256', key: string, text: string, enc: 'hex' | 'base64'): string =>
  createHmac(alg, key).update(text, 'utf8').digest(enc);

/** Constant-time so that timing does not reveal how much of a guessed signature was right. */
function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The single value of a parameter; a repeated Signature or AccessKeyId is ambiguous, so it counts as absent. */
function only(params: readonly Pair[], key: string): string | undefined {
  const found = params.filter(([k]) => k === key);
  return found.length === 1 ? found[0]?.[1] : undefined;
}

/** Finds the scheme and access key of a request; undefined when it carries no recognisable signature. */
export function claimOf(req: ReceivedRequest): Claim | undefined {
  const h = req.headers;
  const auth = h.authorization ?? '';
  const acs3 = ACS3_AUTH.exec(auth);
  if (acs3?.[1]) {
    return {
      scheme: 'acs3',
      accessKeyId: acs3[1],
      securityToken: h['x-acs-security-token'],
      dateText: h['x-acs-date'],
      nonce: h['x-acs-signature-nonce'],
    };
  }
  const roa = ROA_AUTH.exec(auth);
  if (roa?.[1]) {
    return {
      scheme: 'roa-v1',
      accessKeyId: roa[1],
      securityToken: h['x-acs-security-token'],
      dateText: h.date,
      nonce: h['x-acs-signature-nonce'],
    };
  }
  const fc = FC_AUTH.exec(auth);
  if (fc?.[1]) return { scheme: 'fc', accessKeyId: fc[1], securityToken: h['x-fc-security-token'], dateText: h.date };
  const params = rpcParams(req);
  const accessKeyId = params && only(params, 'AccessKeyId');
  if (!params || !accessKeyId || only(params, 'Signature') === undefined) return undefined;
  return {
    scheme: 'rpc-v1',
    accessKeyId,
    securityToken: only(params, 'SecurityToken'),
    dateText: only(params, 'Timestamp'),
    nonce: only(params, 'SignatureNonce'),
  };
}

/** True when the request's signature (and the body digest its scheme carries) checks out with this secret; never throws. */
export function verifySignature(req: ReceivedRequest, claim: Claim, secret: string): boolean {
  try {
    // A claim that is not this request's own would have the secret looked up under the wrong key.
    const own = claimOf(req);
    if (!own || own.scheme !== claim.scheme || own.accessKeyId !== claim.accessKeyId) return false;
    const verify = { acs3: verifyAcs3, 'rpc-v1': verifyRpcV1, 'roa-v1': verifyRoaV1, fc: verifyFc }[claim.scheme];
    return verify(req, secret);
  } catch {
    return false;
  }
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Parses the claim's dateText into epoch ms (ISO for acs3/rpc-v1, RFC 1123 for roa-v1/fc); undefined when malformed. */
export function claimTime(claim: Claim): number | undefined {
  const text = claim.dateText ?? '';
  if (claim.scheme === 'acs3' || claim.scheme === 'rpc-v1') {
    const m = ISO_TIME.exec(text);
    if (!m) return undefined;
    const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    // Date.UTC rolls 2024-02-30 over into March; only a date that round-trips is a real one.
    return new Date(ms).toISOString() === text.replace('Z', '.000Z') ? ms : undefined;
  }
  const m = HTTP_DATE.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(+m[4]!, MONTHS.indexOf(m[3]!), +m[2]!, +m[5]!, +m[6]!, +m[7]!);
  return new Date(ms).toUTCString() === text.replace(/, (\d) /, ', 0$1 ') ? ms : undefined;
}

/** ACS3-HMAC-SHA256, as the tea clients sign by default. */
export function verifyAcs3(req: ReceivedRequest, secret: string): boolean {
  const h = req.headers;
  const m = ACS3_AUTH.exec(h.authorization ?? '');
  const bodyHash = h['x-acs-content-sha256'];
  const query = queryOf(req.url);
  if (!m || !m[2] || !m[3] || bodyHash === undefined || !query) return false;
  const signed = m[2].split(';');
  // An unsigned header could be altered in transit without the signature noticing.
  const mustSign = Object.keys(h).filter((k) => h[k] !== undefined && (k.startsWith('x-acs-') || k === 'host' || k === 'content-type'));
  if (mustSign.some((k) => !signed.includes(k)) || signed.some((k) => h[k] === undefined)) return false;
  const canonical = [
    req.method,
    pathOf(req.url),
    [...query]
      .sort(byKey)
      .map(([k, v]) => `${k}=${pct(v)}`)
      .join('&'),
    signed.map((k) => `${k}:${(h[k] ?? '').trim()}\n`).join(''),
    m[2],
    bodyHash,
  ].join('\n');
  const expected = hmac('sha256', secret, `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`, 'hex');
  return sameSignature(m[3], expected) && sha256Hex(req.body) === bodyHash;
}

/** v1 RPC HMAC-SHA1: Signature as a query or form parameter (pop-core RPCClient, tea clients with signatureAlgorithm v2). */
export function verifyRpcV1(req: ReceivedRequest, secret: string): boolean {
  const params = rpcParams(req);
  const given = params && only(params, 'Signature');
  if (!params || given === undefined) return false;
  const canonical = params
    .filter(([k]) => k !== 'Signature')
    .sort(byKey)
    .map(([k, v]) => `${pct(k)}=${pct(v)}`)
    .join('&');
  return sameSignature(given, hmac('sha1', `${secret}&`, `${req.method}&${pct('/')}&${pct(canonical)}`, 'base64'));
}

/** v1 ROA HMAC-SHA1: `Authorization: acs AK:sig` (pop-core ROAClient, tea clients with signatureAlgorithm v2). */
export function verifyRoaV1(req: ReceivedRequest, secret: string): boolean {
  const h = req.headers;
  const m = ROA_AUTH.exec(h.authorization ?? '');
  const query = queryOf(req.url);
  if (!m || !m[2] || !query) return false;
  // The signature does not cover the body; content-md5 does when a client sends it (pop-core always does).
  const md5 = h['content-md5'];
  if (md5 !== undefined && md5 !== createHash('md5').update(req.body).digest('base64')) return false;
  const acsLines = Object.keys(h)
    .filter((k) => k.startsWith('x-acs-') && h[k] !== undefined)
    .sort()
    .map((k) => `${k}:${(h[k] ?? '').replace(/[\t\n\r\f]/g, ' ').trim()}\n`)
    .join('');
  // Query values are signed raw (decoded, unencoded), unlike every other scheme.
  const sortedQuery = [...query]
    .sort(byKey)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const head = [req.method, h.accept ?? '', md5 ?? '', h['content-type'] ?? '', h.date ?? ''].join('\n');
  const text = `${head}\n${acsLines}${pathOf(req.url)}${sortedQuery ? `?${sortedQuery}` : ''}`;
  return sameSignature(m[2], hmac('sha1', secret, text, 'base64'));
}

/** FC 2.0 HMAC-SHA256: `Authorization: FC AK:sig` (@alicloud/fc2). Paths under /proxy/ (HTTP triggers) are not covered. */
export function verifyFc(req: ReceivedRequest, secret: string): boolean {
  const h = req.headers;
  const m = FC_AUTH.exec(h.authorization ?? '');
  const path = decode(pathOf(req.url), false);
  if (!m || !m[2] || path === undefined) return false;
  const md5 = h['content-md5'] ?? '';
  // fc2 digests the hex text of the MD5, not its bytes: a check against the raw digest would reject every real client.
  const hexMd5 = Buffer.from(createHash('md5').update(req.body).digest('hex')).toString('base64');
  if (req.body.length > 0 && md5 !== hexMd5) return false;
  const fcLines = Object.keys(h)
    .filter((k) => k.startsWith('x-fc-') && h[k] !== undefined)
    .sort()
    .map((k) => `${k}:${h[k] ?? ''}\n`)
    .join('');
  const text = `${req.method}\n${md5}\n${h['content-type'] ?? ''}\n${h.date ?? ''}\n${fcLines}${path}`;
  return sameSignature(m[2], hmac('sha256', secret, text, 'base64'));
}
