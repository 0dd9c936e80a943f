import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSaeApi, createSwasApi } from '../../lib/cloud/index.js';
import type { Unreadable } from '../../lib/cloud/api.js';
import { rejection, recordingGate } from './support/cloud-world.js';

/**
 * Answers the sandbox never gives: malformed bodies, Success:false with 200, an empty 200, a server
 * that caps the page size. A bare HTTP server answers each action with a canned body; the clients
 * are the real ones, signing and parsing as always.
 */

type Canned = { status?: number; body: string };
let answers: Record<string, Canned | ((query: URLSearchParams) => Canned)> = {};
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const action = String(req.headers['x-acs-action']);
    const entry = answers[action];
    const answer = typeof entry === 'function' ? entry(new URL(req.url ?? '/', 'http://x').searchParams) : entry;
    res.writeHead(answer?.status ?? 200, { 'content-type': 'application/json;charset=utf-8' });
    res.end(answer?.body ?? '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = () => ({ credentials: { kind: 'static', accessKeyId: 'k', accessKeySecret: 's' } as const, endpointOverride: url });
const json = (value: unknown, status = 200): Canned => ({ status, body: JSON.stringify(value) });
const app = (i: number) => ({
  AppId: `a${i}`,
  AppName: `n${i}`,
  NamespaceId: 'cn-hangzhou:dev',
  RegionId: 'cn-hangzhou',
  Instances: 1,
  RunningInstances: 1,
});

describe('malformed answers', () => {
  it('an SAE app without a namespace is set aside as unreadable, naming the field; the other rows are read', async () => {
    answers = {
      ListApplications: json({ Success: true, Data: { TotalSize: 2, Applications: [{ ...app(0), NamespaceId: undefined }, app(1)] } }),
    };
    const unreadable: Unreadable[] = [];
    const apps = await createSaeApi(options()).listApplications('cn-hangzhou', {}, unreadable);
    expect(apps.map((a) => a.appId)).toEqual([app(1).AppId]);
    expect(unreadable).toEqual([
      {
        product: 'sae',
        region: 'cn-hangzhou',
        id: app(0).AppId,
        problem: 'ListApplications answered without a usable Data.Applications[0].NamespaceId (got nothing)',
      },
    ]);
  });

  it('an SAE answer without Data, or with a wrongly typed count', async () => {
    answers = {
      DescribeApplicationStatus: json({ Success: true }),
      DescribeChangeOrder: json({ Success: true, Data: { Status: 'done' } }),
    };
    const sae = createSaeApi(options());
    expect(await rejection(sae.describeStatus('cn-hangzhou', 'a'))).toMatchObject({
      code: 'InvalidResponse',
      message: expect.stringContaining('usable Data (got nothing)') as unknown,
    });
    expect(await rejection(sae.describeChangeOrder('cn-hangzhou', 'o'))).toMatchObject({
      code: 'InvalidResponse',
      message: expect.stringContaining('Data.Status (got string)') as unknown,
    });
  });

  it('a SWAS instance without an id, or a page without a count', async () => {
    const swas = createSwasApi(options());
    answers = { ListInstances: json({ TotalCount: 1, Instances: [{ InstanceName: 'x', Status: 'Running' }] }) };
    const unreadable: Unreadable[] = [];
    expect(await swas.listInstances('cn-hangzhou', {}, unreadable)).toEqual([]);
    // Without an id of its own, the row is named by its place in the answer.
    expect(unreadable).toMatchObject([
      { product: 'swas', id: 'Instances[0]', problem: expect.stringContaining('Instances[0].InstanceId') as unknown },
    ]);
    answers = { ListInstances: json({ Instances: [] }) };
    expect(await rejection(swas.listInstances('cn-hangzhou', {}))).toMatchObject({
      code: 'InvalidResponse',
      message: expect.stringContaining('body.TotalCount') as unknown,
    });
  });

  it('Success:false with HTTP 200 is the error it names', async () => {
    answers = {
      StopApplication: json({
        RequestId: 'R-1',
        Code: '400',
        ErrorCode: 'Application.ChangerOrderRunning',
        Message: 'busy now',
        Success: false,
      }),
    };
    expect(await rejection(createSaeApi(options()).stop('cn-hangzhou', 'a'))).toMatchObject({
      code: 'Application.ChangerOrderRunning',
      kind: 'busy',
      message: 'busy now',
      requestId: 'R-1',
      httpStatus: 200,
    });
  });

  it('an empty 200 body is a transient gateway fault', async () => {
    answers = { StopInstances: { status: 200, body: '' } };
    expect(await rejection(createSwasApi(options()).stopInstances('cn-hangzhou', ['i'], 't'))).toMatchObject({
      code: 'BadGateway',
      kind: 'transient',
    });
  });
});

describe('paging against a server that caps the page size', () => {
  it('keeps asking until every row counted in TotalSize is read', async () => {
    const all = Array.from({ length: 120 }, (_, i) => app(i));
    // 50 rows a page whatever PageSize says.
    answers = {
      ListApplications: (q) => {
        const page = Number(q.get('CurrentPage'));
        return json({ Success: true, Data: { TotalSize: all.length, Applications: all.slice((page - 1) * 50, page * 50) } });
      },
    };
    const { gate, calls } = recordingGate();
    const apps = await createSaeApi({ ...options(), gate }).listApplications('cn-hangzhou', {});
    expect(apps).toHaveLength(120);
    expect(calls).toHaveLength(3);
  });

  it('stops at an empty page even if the count promised more', async () => {
    answers = {
      ListInstances: (q) =>
        json({
          TotalCount: 500,
          Instances:
            q.get('PageNumber') === '1' ? [{ InstanceId: 'i1', InstanceName: 'n', Status: 'Running', RegionId: 'cn-hangzhou' }] : [],
        }),
    };
    const { gate, calls } = recordingGate();
    expect(await createSwasApi({ ...options(), gate }).listInstances('cn-hangzhou', {})).toHaveLength(1);
    expect(calls).toHaveLength(2);
  });
});
