import type { CredentialSource } from '../cloud/credentials.js';
import { invokeFc3 } from '../cloud/fc3.js';
import type { Settings } from '../config.js';
import type { ShardEvent } from '../fleet.js';

/**
 * How the function sends a member account's work to a run of its own: an async invocation of
 * itself (FC 3.0 InvokeFunction, `x-fc-invocation-type: Async`) with the shard event. FC queues it,
 * answers with a request id at once, runs it at least once and retries it when it fails; its own
 * logs tell how it went. The function's role needs fc:InvokeFunction on itself (`offpeak policy`).
 */

/** The parts of FC's context a dispatch needs: which function, where. */
export interface FunctionIdentity {
  readonly accountId?: string;
  readonly region?: string;
  readonly function?: { readonly name?: string };
  readonly service?: { readonly qualifier?: string };
}

/** A dispatcher for the runs of this function, or undefined when the context does not say enough to invoke it. */
export function shardDispatcher(
  context: FunctionIdentity,
  credentials: CredentialSource,
  settings: Pick<Settings, 'endpoint'>,
): ((event: ShardEvent) => Promise<{ requestId: string }>) | undefined {
  const functionName = context.function?.name;
  const region = context.region;
  if (!functionName || !region || (!context.accountId && !settings.endpoint)) return undefined;
  const qualifier = context.service?.qualifier;
  return async (event) => {
    const result = await invokeFc3({
      region,
      ...(context.accountId ? { accountId: context.accountId } : {}),
      functionName,
      ...(qualifier && qualifier !== 'LATEST' ? { qualifier } : {}),
      event: JSON.stringify(event),
      async: true,
      credentials,
      ...(settings.endpoint ? { endpointOverride: settings.endpoint } : {}),
      timeoutMs: 10_000,
    });
    return { requestId: result.requestId };
  };
}
