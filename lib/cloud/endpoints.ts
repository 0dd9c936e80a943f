/**
 * Where each product and region is served. The public and VPC hosts follow one pattern per product
 * (docs/reference/alibaba-cloud-facts.md §1.1, §2); `OFFPEAK_ENDPOINT` replaces all of them with one base URL,
 * which is how the sandbox (or a proxy) serves every product and region on one port.
 */

import { quote } from '../errors.js';

/** A base URL as the clients take it: protocol apart, host with its port. */
export interface Endpoint {
  readonly protocol: 'https' | 'http';
  /** `sae.cn-hangzhou.aliyuncs.com`, or `127.0.0.1:8090` for an override with a port. */
  readonly host: string;
}

/** Region ids as Alibaba writes them (`cn-hangzhou`, `ap-southeast-1`); anything else would end up in a host name. */
/** A region id such as cn-hangzhou: checked before it becomes part of a host name. */
export const REGION = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;

/**
 * Parses an `OFFPEAK_ENDPOINT` value: `http(s)://host[:port]`, an optional trailing slash, nothing else.
 * @example parseEndpointOverride('http://127.0.0.1:8090') // { protocol: 'http', host: '127.0.0.1:8090' }
 */
export function parseEndpointOverride(value: string): Endpoint {
  const reject = (why: string): never => {
    throw new Error(`OFFPEAK_ENDPOINT ${quote(value)} ${why}; expected http(s)://host[:port], e.g. http://127.0.0.1:8090`);
  };
  // Without a scheme, `localhost:8090` would parse as a URL whose protocol is `localhost:`.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) reject('does not start with http:// or https://');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return reject('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') reject(`has protocol ${quote(url.protocol)}`);
  if (url.host === '') reject('has no host');
  if (url.username !== '' || url.password !== '') reject('carries user info');
  // Signatures cover the path: a base path would be signed but not routed, so none is allowed.
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') reject('has a path, query or fragment');
  return { protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.host };
}

/**
 * The endpoint of a product in a region: public, VPC, or the override for every product and region.
 * @example endpointOf('swas', 'cn-shanghai', { vpc: true }) // { protocol: 'https', host: 'swas-vpc.cn-shanghai.aliyuncs.com' }
 */
export function endpointOf(product: 'sae' | 'swas', region: string, options: { vpc?: boolean; override?: string } = {}): Endpoint {
  if (!REGION.test(region)) throw new Error(`${quote(region)} is not a region id (e.g. cn-hangzhou)`);
  if (options.override !== undefined && options.override !== '') return parseEndpointOverride(options.override);
  return { protocol: 'https', host: `${product}${options.vpc ? '-vpc' : ''}.${region}.aliyuncs.com` };
}
