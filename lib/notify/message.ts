import type { ChannelType, NoticeKind } from '../schedule/people.js';

/**
 * A message for people, and its body on each channel's wire. Pure. Every message is bounded: at
 * most MAX_LINES lines of at most MAX_LINE characters (WeCom takes 4096 bytes of markdown, DingTalk
 * and Lark about 20 KB), and never a URL's query (tokens live there).
 */

/** What offpeak tells people: a title and a few lines. `wake` announces a wake. */
export interface Notice {
  readonly kind: NoticeKind | 'wake';
  readonly rule: string;
  /** The member account whose part of a run posts it (schedule `accounts`); absent for the function's own. */
  readonly account?: string;
  readonly title: string;
  readonly lines: readonly string[];
}

export const MAX_LINES = 15;
const MAX_LINE = 200;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The notice with its lines bounded. */
export function bounded(notice: Notice): Notice {
  const lines = notice.lines.slice(0, MAX_LINES).map((l) => cut(l, MAX_LINE));
  return { ...notice, title: cut(notice.title, MAX_LINE), lines };
}

/**
 * The generic webhook's body, offpeak's own documented shape (docs/operating.md):
 * `{"source":"offpeak","kind","rule","title","text","lines"}`, with `account` after `rule` for a member account's.
 */
export interface WebhookBody {
  readonly source: 'offpeak';
  readonly kind: Notice['kind'];
  readonly rule: string;
  readonly account?: string;
  readonly title: string;
  readonly text: string;
  readonly lines: readonly string[];
}

/** Plain text: the title, then each line. */
export function plainText(notice: Notice): string {
  const n = bounded(notice);
  return [n.title, ...n.lines].join('\n');
}

/** Markdown for DingTalk and WeCom: a heading, then the lines. */
export function markdown(notice: Notice): string {
  const n = bounded(notice);
  return [`### ${n.title}`, '', ...n.lines.map((l) => (l.startsWith('- ') ? l : `${l}  `))].join('\n');
}

/**
 * The JSON body a channel type takes, without signing fields (Lark's timestamp and sign are added
 * by the sender, which knows the clock).
 * - DingTalk custom robot: `{msgtype:"markdown", markdown:{title, text}}`.
 * - WeCom group robot: `{msgtype:"markdown", markdown:{content}}`.
 * - Lark/Feishu custom bot: `{msg_type:"text", content:{text}}`.
 * - webhook: WebhookBody.
 */
export function bodyFor(type: ChannelType, notice: Notice): Record<string, unknown> {
  const n = bounded(notice);
  switch (type) {
    case 'dingtalk':
      return { msgtype: 'markdown', markdown: { title: n.title, text: markdown(n) } };
    case 'wecom':
      return { msgtype: 'markdown', markdown: { content: markdown(n) } };
    case 'lark':
      return { msg_type: 'text', content: { text: plainText(n) } };
    case 'webhook':
      return {
        source: 'offpeak',
        kind: n.kind,
        rule: n.rule,
        ...(n.account !== undefined ? { account: n.account } : {}),
        title: n.title,
        text: plainText(n),
        lines: n.lines,
      } satisfies WebhookBody;
  }
}
