import type { Calendar } from './calendar.js';
import type { PeopleFields } from './people.js';
import type { Window } from './window.js';

/** Where a rule's targets are: resolved against the cloud later, by the planner. */
export interface SaeTarget {
  readonly region: string;
  readonly appId?: string;
  readonly namespaceId?: string;
  readonly appName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A member account's name (schedule `accounts`); absent for the function's own account. */
  readonly account?: string;
}

export interface SwasTarget {
  readonly region: string;
  readonly instanceIds?: readonly string[];
  readonly instanceName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** A member account's name (schedule `accounts`); absent for the function's own account. */
  readonly account?: string;
}

export interface Exclusions {
  readonly tags: Readonly<Record<string, string>>;
  readonly ids: readonly string[];
}

/** How a rule says when it is off-peak. */
export type Timing =
  | { readonly kind: 'offPeak' | 'onPeak'; readonly windows: readonly Window[] }
  | { readonly kind: 'cron'; readonly stop: string; readonly start?: string };

/** A validated rule, ready for the engine; `notify`, `wake` and `offPeakInstances` are in people.ts. */
export interface Rule extends PeopleFields {
  readonly name: string;
  readonly description?: string;
  /** The schedule file it came from, for messages. */
  readonly file: string;
  readonly timezone: string;
  readonly timing: Timing;
  /** Window rules: start targets again when off-peak ends. Cron rules start on their start cron. */
  readonly restore: boolean;
  readonly enforce: boolean;
  /** Milliseconds by which a run's interval reaches further back. */
  readonly catchUp: number;
  readonly calendar?: Calendar;
  readonly targets: { readonly sae: readonly SaeTarget[]; readonly swas: readonly SwasTarget[] };
  readonly exclude: Exclusions;
}

export type Action = 'stop' | 'start';

/** A transition a rule makes at an instant (epoch milliseconds). */
export interface Edge {
  readonly action: Action;
  readonly at: number;
}

/** A schedule file's `pricing` block: the prices savings are computed with (lib/plan/savings.ts). */
export interface Pricing {
  readonly currency: string;
  readonly saeVcpuHour: number;
  readonly saeGibHour: number;
  /** where the prices come from, for people */
  readonly source: string;
}
