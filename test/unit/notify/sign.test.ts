import { describe, expect, it } from 'vitest';
import { dingtalkSign, dingtalkSignedUrl, larkSign } from '../../../lib/notify/sign.js';
import { bodyFor, bounded, MAX_LINES, type Notice } from '../../../lib/notify/message.js';

/** The robots' signatures against values computed with openssl (`openssl dgst -sha256 -hmac KEY -binary | base64`). */
describe('signatures', () => {
  it('DingTalk: HmacSHA256 keyed with the secret over "timestamp\\nsecret", Base64', () => {
    // printf '1700000000000\nSECabc' | openssl dgst -sha256 -hmac 'SECabc' -binary | base64
    expect(dingtalkSign('SECabc', 1700000000000)).toBe('jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM=');
  });

  it('DingTalk: the sign is URL-encoded onto the webhook URL with its timestamp in ms', () => {
    const url = dingtalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=T', 'SECabc', 1700000000000);
    expect(url).toBe(
      'https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000&sign=jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM%3D',
    );
  });

  it('Lark: HmacSHA256 keyed with "timestamp\\nsecret" over empty data, Base64, timestamp in seconds', () => {
    // printf '' | openssl dgst -sha256 -hmac "$(printf '1700000000\nsecret')" -binary | base64
    expect(larkSign('secret', 1700000000)).toBe('fiWS2+gh28DOydAv7hzONH/mDn9+b1Y4Y5ivXWXy8vA=');
  });
});

describe('message bodies', () => {
  const notice: Notice = { kind: 'before-stop', rule: 'dev', title: 'dev stops', lines: ['- SAE cn-hangzhou a', 'hint'] };

  it('each channel type gets the shape its documentation gives', () => {
    expect(bodyFor('dingtalk', notice)).toEqual({
      msgtype: 'markdown',
      markdown: { title: 'dev stops', text: '### dev stops\n\n- SAE cn-hangzhou a\nhint  ' },
    });
    expect(bodyFor('wecom', notice)).toEqual({
      msgtype: 'markdown',
      markdown: { content: '### dev stops\n\n- SAE cn-hangzhou a\nhint  ' },
    });
    expect(bodyFor('lark', notice)).toEqual({ msg_type: 'text', content: { text: 'dev stops\n- SAE cn-hangzhou a\nhint' } });
    expect(bodyFor('webhook', notice)).toEqual({
      source: 'offpeak',
      kind: 'before-stop',
      rule: 'dev',
      title: 'dev stops',
      text: 'dev stops\n- SAE cn-hangzhou a\nhint',
      lines: ['- SAE cn-hangzhou a', 'hint'],
    });
  });

  it('a message is bounded: at most MAX_LINES lines of at most 200 characters', () => {
    const big = bounded({ ...notice, lines: Array.from({ length: 40 }, () => 'x'.repeat(500)) });
    expect(big.lines).toHaveLength(MAX_LINES);
    expect(big.lines.every((l) => l.length === 200)).toBe(true);
  });
});
