import { OffpeakError } from '../errors.js';
import type { CloudApis } from './api.js';

/**
 * Clients that cannot do what a run must not do. A dry run holds a client whose every mutating call
 * throws, and a run held by the blast-radius guard one whose stops throw, so no code path (today's
 * executors or tomorrow's) can change the cloud when the run said it would not. The executors need
 * no `if (dryRun)`: the refusal arrives as an error and becomes the result (`would-stop`, `held`).
 */

export type Mutation = 'stop' | 'start' | 'tag';

/** Why a call was refused: a dry run refuses every mutation, the guard only stops. */
export type RefusalReason = 'dry-run' | 'guard';

/** A mutating call the run's client refused; nothing was sent. */
export class MutationRefused extends OffpeakError {
  override readonly name = 'MutationRefused';
  constructor(
    readonly reason: RefusalReason,
    readonly mutation: Mutation,
    readonly call: string,
  ) {
    super(reason === 'dry-run' ? `dry run: ${call} not sent` : `held by the blast-radius guard: ${call} not sent`, {
      code: 'MutationRefused',
    });
  }
}

const refuse = (reason: RefusalReason, mutation: Mutation, call: string) => (): Promise<never> =>
  Promise.reject(new MutationRefused(reason, mutation, call));

/**
 * The same clients with `mutations` refused. Reads pass through unchanged.
 * @example const apis = request.dryRun ? refusing(gated, ['stop', 'start'], 'dry-run') : gated;
 */
export function refusing(apis: CloudApis, mutations: readonly Mutation[], reason: RefusalReason): CloudApis {
  const stop = mutations.includes('stop');
  const start = mutations.includes('start');
  const tags = mutations.includes('tag');
  return {
    sae: {
      listApplications: (region, filter, unreadable) => apis.sae.listApplications(region, filter, unreadable),
      describeStatus: (region, appId) => apis.sae.describeStatus(region, appId),
      describeChangeOrder: (region, id) => apis.sae.describeChangeOrder(region, id),
      stop: stop ? refuse(reason, 'stop', 'StopApplication') : (region, appId) => apis.sae.stop(region, appId),
      batchStop: stop ? refuse(reason, 'stop', 'BatchStopApplications') : (region, ns, ids) => apis.sae.batchStop(region, ns, ids),
      start: start ? refuse(reason, 'start', 'StartApplication') : (region, appId) => apis.sae.start(region, appId),
      batchStart: start ? refuse(reason, 'start', 'BatchStartApplications') : (region, ns, ids) => apis.sae.batchStart(region, ns, ids),
      rescale: (region, appId, replicas, serves) =>
        (serves === 'stop' ? stop : start)
          ? refuse(reason, serves, 'RescaleApplication')()
          : apis.sae.rescale(region, appId, replicas, serves),
      tag: tags ? refuse(reason, 'tag', 'TagResources') : (region, ids, t) => apis.sae.tag(region, ids, t),
      untag: tags ? refuse(reason, 'tag', 'UntagResources') : (region, ids, keys) => apis.sae.untag(region, ids, keys),
    },
    swas: {
      listInstances: (region, filter, unreadable) => apis.swas.listInstances(region, filter, unreadable),
      stopInstances: stop ? refuse(reason, 'stop', 'StopInstances') : (region, ids, token) => apis.swas.stopInstances(region, ids, token),
      startInstances: start
        ? refuse(reason, 'start', 'StartInstances')
        : (region, ids, token) => apis.swas.startInstances(region, ids, token),
      tag: tags ? refuse(reason, 'tag', 'TagResources') : (region, ids, t) => apis.swas.tag(region, ids, t),
      untag: tags ? refuse(reason, 'tag', 'UntagResources') : (region, ids, keys) => apis.swas.untag(region, ids, keys),
    },
  };
}

/** Clients that only read: what dry runs and `offpeak plan --resolve` hold. */
export const readOnly = (apis: CloudApis): CloudApis => refusing(apis, ['stop', 'start', 'tag'], 'dry-run');
