/**
 * Reading API parameters the way the gateway does: from the query, from an
 * x-www-form-urlencoded body (pop-core's RPC POST puts everything there) and from a JSON body.
 * Every value ends up as text; nested JSON values stay JSON text, as the APIs expect
 * (`InstanceIds: '["a","b"]'`).
 */

/**
 * Percent-decodes; undefined when malformed. Form encoding writes spaces as `+`, and the gateway
 * reads the query the same way; a path's `+` is literal.
 */
export function decode(text: string, plusIsSpace = true): string | undefined {
  try {
    const decoded = decodeURIComponent(plusIsSpace ? text.replace(/\+/g, '%20') : text);
    // A raw lone surrogate decodes fine but would make a canonical re-encoding throw later.
    encodeURIComponent(decoded);
    return decoded;
  } catch {
    return undefined;
  }
}

/** `a=1&b=2` as decoded pairs, in order; undefined when any part is malformed. */
export function pairsOf(text: string): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const key = decode(at < 0 ? part : part.slice(0, at));
    const value = decode(at < 0 ? '' : part.slice(at + 1));
    if (key === undefined || value === undefined) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}

export interface ParsedRequest {
  readonly path: string;
  readonly params: Record<string, string>;
}

/** The request's path and merged parameters; a string says what is malformed. */
export function parseRequest(url: string, contentType: string | undefined, body: Buffer): ParsedRequest | string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = pairsOf(q < 0 ? '' : url.slice(q + 1));
  if (query === undefined) return 'the query string is not valid percent-encoding';
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of query) params[k] = v;
  if (body.length === 0) return { path, params };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const form = pairsOf(body.toString('utf8'));
    if (form === undefined) return 'the form body is not valid percent-encoding';
    for (const [k, v] of form) params[k] = v;
  } else if (type.startsWith('application/json')) {
    try {
      const json: unknown = JSON.parse(body.toString('utf8'));
      if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
        for (const [k, v] of Object.entries(json)) params[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    } catch {
      // Also a RangeError: re-serialising a value nested thousands deep overflows the stack.
      return 'the JSON body does not parse';
    }
  }
  return { path, params };
}

/** The region of an endpoint host such as `sae.cn-hangzhou.aliyuncs.com` or `swas-vpc.cn-shanghai.aliyuncs.com`. */
export function regionOfHost(host: string | undefined): string | undefined {
  return /^(?:sae|swas)(?:-vpc)?\.([a-z]{2,}(?:-[a-z0-9]+)+)\.aliyuncs\.com(?::\d+)?$/.exec(host ?? '')?.[1];
}
