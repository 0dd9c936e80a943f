import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $Swas, DEMO_KEY, sae, swasSdk } from './support/clients.js';
import { DEV, DEV_SEED, startWorld, type World } from './support/run.js';

/**
 * The sandbox's tag APIs through Alibaba's own clients (SAE over openapi-client's ROA callApi,
 * SWAS through its SDK), and its group robots over plain HTTP, checking what the services check.
 */

let world: World;
beforeAll(async () => {
  world = await startWorld(DEV_SEED, { rateScale: 100 });
  await world.robots([
    { type: 'dingtalk', token: 'd1', secret: 'SECd' },
    { type: 'lark', token: 'l1', secret: 'ls' },
    { type: 'wecom', token: 'w1' },
    { type: 'webhook', token: 'h1' },
  ]);
});
afterAll(() => world.close());

const tagsOf = async (id: string) => {
  const state = await world.state();
  return (state.sae.apps.find((a) => a.appId === id) ?? state.swas.instances.find((i) => i.instanceId === id))!.tags;
};

describe('tag APIs', () => {
  it('SAE TagResources (POST /tags) and UntagResources (DELETE /tags) with ResourceIds and Tags as JSON text', async () => {
    const tagged = await sae(world.client, 'TagResources', 'POST', '/tags', {
      RegionId: 'cn-hangzhou',
      ResourceType: 'application',
      ResourceIds: JSON.stringify([DEV.api]),
      Tags: JSON.stringify([{ key: 'k', value: 'v' }]),
    });
    expect(tagged.body).toMatchObject({ Success: true, Data: true });
    expect(await tagsOf(DEV.api)).toEqual({ env: 'dev', k: 'v' });
    const listed = await sae(world.client, 'ListTagResources', 'GET', '/tags', {
      RegionId: 'cn-hangzhou',
      ResourceType: 'application',
      ResourceIds: JSON.stringify([DEV.api]),
    });
    expect((listed.body.Data as { TagResources: unknown[] }).TagResources).toContainEqual({
      ResourceType: 'ALIYUN::SAE::APPLICATION',
      ResourceId: DEV.api,
      TagKey: 'k',
      TagValue: 'v',
    });
    await sae(world.client, 'UntagResources', 'DELETE', '/tags', {
      RegionId: 'cn-hangzhou',
      ResourceType: 'application',
      ResourceIds: JSON.stringify([DEV.api]),
      TagKeys: JSON.stringify(['k']),
    });
    expect(await tagsOf(DEV.api)).toEqual({ env: 'dev' });
  });

  it('SAE refuses another resource type as the service does', async () => {
    await expect(
      sae(world.client, 'TagResources', 'POST', '/tags', {
        RegionId: 'cn-hangzhou',
        ResourceType: 'namespace',
        ResourceIds: JSON.stringify([DEV.api]),
        Tags: JSON.stringify([{ key: 'k', value: 'v' }]),
      }),
    ).rejects.toMatchObject({ code: 'InvalidResourceType.NotFound' });
  });

  it('SWAS TagResources and UntagResources through @alicloud/swas-open20200601', async () => {
    const sdk = swasSdk(world.url, DEMO_KEY);
    await sdk.tagResources(
      new $Swas.TagResourcesRequest({
        regionId: 'cn-hangzhou',
        resourceType: 'instance',
        resourceId: [DEV.box],
        tag: [new $Swas.TagResourcesRequestTag({ key: 'offpeak-snooze-until', value: '2036-11-25T15:00:00.000Z' })],
      }),
    );
    expect(await tagsOf(DEV.box)).toEqual({ env: 'dev', 'offpeak-snooze-until': '2036-11-25T15:00:00.000Z' });
    const listed = await sdk.listTagResources(
      new $Swas.ListTagResourcesRequest({ regionId: 'cn-hangzhou', resourceType: 'instance', resourceId: [DEV.box] }),
    );
    expect(listed.body?.tagResources?.tagResource?.map((t) => t.tagKey)).toEqual(['env', 'offpeak-snooze-until']);
    await sdk.untagResources(
      new $Swas.UntagResourcesRequest({
        regionId: 'cn-hangzhou',
        resourceType: 'instance',
        resourceId: [DEV.box],
        tagKey: ['offpeak-snooze-until'],
      }),
    );
    expect(await tagsOf(DEV.box)).toEqual({ env: 'dev' });
  });
});

describe('group robots', () => {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${world.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const dingSign = (ts: number) => encodeURIComponent(createHmac('sha256', 'SECd').update(`${ts}\nSECd`).digest('base64'));
  const text = { msgtype: 'text', text: { content: 'hi' } };

  it('DingTalk: a good sign is taken; none, a wrong one or a timestamp over an hour old is 310000; an unknown token 300001', async () => {
    const now = Date.now();
    expect((await post(`/_hooks/dingtalk/robot/send?access_token=d1&timestamp=${now}&sign=${dingSign(now)}`, text)).body).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect((await post('/_hooks/dingtalk/robot/send?access_token=d1', text)).body).toMatchObject({ errcode: 310000 });
    expect((await post(`/_hooks/dingtalk/robot/send?access_token=d1&timestamp=${now}&sign=${dingSign(now + 1)}`, text)).body).toMatchObject(
      {
        errcode: 310000,
        errmsg: 'sign not match',
      },
    );
    const old = now - 3_700_000;
    expect((await post(`/_hooks/dingtalk/robot/send?access_token=d1&timestamp=${old}&sign=${dingSign(old)}`, text)).body).toMatchObject({
      errcode: 310000,
      errmsg: 'invalid timestamp',
    });
    expect((await post('/_hooks/dingtalk/robot/send?access_token=zz', text)).body).toMatchObject({ errcode: 300001 });
  });

  it('Lark: the body timestamp (seconds) and sign; a wrong one is 19021', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const sign = createHmac('sha256', `${ts}\nls`).update('').digest('base64');
    const message = { msg_type: 'text', content: { text: 'hi' } };
    expect((await post('/_hooks/lark/open-apis/bot/v2/hook/l1', { timestamp: String(ts), sign, ...message })).body).toMatchObject({
      code: 0,
    });
    expect((await post('/_hooks/lark/open-apis/bot/v2/hook/l1', { timestamp: String(ts - 7200), sign, ...message })).body).toMatchObject({
      code: 19021,
    });
  });

  it('WeCom by key, the webhook by id; the messages are kept for GET /_sandbox/messages', async () => {
    expect((await post('/_hooks/wecom/cgi-bin/webhook/send?key=w1', { msgtype: 'markdown', markdown: { content: '# hi' } })).body).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect(
      (await post('/_hooks/wecom/cgi-bin/webhook/send?key=nope', { msgtype: 'markdown', markdown: { content: '# hi' } })).body,
    ).toMatchObject({
      errcode: 93000,
    });
    expect((await post('/_hooks/webhook/h1', { source: 'offpeak', text: 'hello' })).status).toBe(200);
    expect((await post('/_hooks/webhook/h2', { source: 'offpeak', text: 'hello' })).status).toBe(404);
    const kept = await world.messages();
    expect(kept.filter((m) => m.type === 'wecom').map((m) => [m.accepted, m.text ?? null])).toEqual([
      [true, '# hi'],
      [false, null],
    ]);
  });
});
