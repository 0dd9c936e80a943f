import { runInvocation, type FcContext } from '../../lib/doors/invocation.js';
import { preferSmallHeap } from '../../lib/doors/heap.js';

/**
 * The Function Compute entry point (FC 3.0, Node.js 20). No logic here: the event and context
 * become a run of the same core that `offpeak run` and the tests call.
 *
 * A timer trigger invokes it with `{"triggerTime": ...}`; people invoke it by hand with
 * `{"dryRun": true}`, `{"at": "..."}` or `{"rules": ["dev-nights"], "action": "stop"}`.
 */
export const handler = async (event: Buffer | string, context: FcContext): Promise<unknown> => runInvocation(event, context);

// The instance runs one invocation at a time for its life: keep its heap near what is live.
preferSmallHeap();
