import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeedPath, readSeed } from '../../lib/sandbox/seed.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server.js';
import { admin, failure, openApiClient, sae, swas } from './support/clients.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: await readSeed(demoSeedPath()), rateScale: 1 });
});
afterAll(() => sandbox.close());

describe('smoke', () => {
  it('stops an SAE app and a SWAS instance through openapi-client', async () => {
    const client = openApiClient(sandbox.url);
    const stop = await sae(client, 'StopApplication', 'PUT', '/pop/v1/sam/app/stopApplication', { AppId: '0099b7be-5f5b-4512-a7fc-56049ef1aaaa' });
    expect(stop.body.Success).toBe(true);
    const r = await swas(client, 'StopInstance', { RegionId: 'cn-hangzhou', InstanceId: 'ace0706b2ac4454d984295a94213aaaa', ClientToken: 't1' });
    expect(r.statusCode).toBe(200);
    const err = await failure(sae(client, 'StopApplication', 'PUT', '/pop/v1/sam/app/stopApplication', { AppId: '0099b7be-5f5b-4512-a7fc-56049ef1aaaa' }));
    expect(err.code).toBe('Application.ChangerOrderRunning');
    const calls = await admin<Array<{ executed: boolean }>>(sandbox.url, 'calls');
    expect(calls.map((c) => c.executed)).toEqual([true, true, false]);
  });
});
