import { createHmac } from 'node:crypto';

/**
 * The signatures of the group robots' "sign" security settings, exactly as their documentation
 * gives them. The timestamp is the real clock's, an argument: a run evaluated `--at` another
 * instant still signs with now, since the services refuse a timestamp more than an hour off theirs.
 *
 * - DingTalk custom robot, security setting "加签" (open.dingtalk.com, "自定义机器人安全设置" /
 *   "custom robot security settings"): string to sign `timestamp + "\n" + secret`, HmacSHA256 keyed
 *   with the secret, Base64, then URL-encoded; sent as `&timestamp=<ms>&sign=<sign>` on the webhook URL.
 * - Lark/Feishu custom bot, "签名校验" (open.feishu.cn, "自定义机器人使用指南" / "custom bot usage
 *   guide"): HmacSHA256 keyed with `timestamp + "\n" + secret` over empty data, Base64; sent in the
 *   body as `timestamp` (seconds, as text) and `sign`.
 * - WeCom group robot ("群机器人配置说明", developer.work.weixin.qq.com): no signature; the key in the
 *   URL is the credential.
 */

/** DingTalk: the sign for a timestamp in milliseconds, Base64 and not yet URL-encoded. */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Lark/Feishu: the sign for a timestamp in seconds. */
export function larkSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('', 'utf8').digest('base64');
}

/** DingTalk: the webhook URL with the timestamp and sign appended, as its security setting asks. */
export function dingtalkSignedUrl(url: string, secret: string, timestampMs: number): string {
  const sign = encodeURIComponent(dingtalkSign(secret, timestampMs));
  return `${url}${url.includes('?') ? '&' : '?'}timestamp=${timestampMs}&sign=${sign}`;
}
