import { runInvocation, type FcContext } from '../../lib/doors/invocation.js';

/**
 * The Function Compute entry point (FC 3.0, Node.js 20). No logic here: the event and context
 * become a run of the same core that `offpeak run` and the tests call.
 *
 * A timer trigger invokes it with `{"triggerTime": ...}`; people invoke it by hand with
 * `{"dryRun": true}`, `{"at": "..."}` or `{"rules": ["dev-nights"], "action": "stop"}`.
 */
export const handler = async (event: Buffer | string, context: FcContext): Promise<unknown> => runInvocation(event, context);
