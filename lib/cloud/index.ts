import type { CloudApis } from './api.js';
import type { CloudOptions } from './openapi.js';
import { createSaeApi } from './sae.js';
import { createSwasApi } from './swas.js';

/**
 * The cloud layer's front door: one account's SAE and SWAS clients from one set of options.
 * Both share the options' clients and credential chain (openapi.ts callerFor).
 */

export type { CloudOptions } from './openapi.js';
export type { CredentialSource } from './credentials.js';
export { createSaeApi } from './sae.js';
export { createSwasApi } from './swas.js';

/**
 * SAE and SWAS for one account. Throws Error at once for unusable options (OFFPEAK_ENDPOINT,
 * empty keys, timeouts); every later failure is a CloudError from the call that met it.
 * @example createCloudApis({ credentials: { kind: 'chain' }, endpointOverride: process.env.OFFPEAK_ENDPOINT })
 */
export function createCloudApis(options: CloudOptions): CloudApis {
  return { sae: createSaeApi(options), swas: createSwasApi(options) };
}
