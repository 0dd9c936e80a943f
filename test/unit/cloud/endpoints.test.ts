import { describe, expect, it } from 'vitest';
import { endpointOf, parseEndpointOverride } from '../../../lib/cloud/endpoints.js';

describe('endpointOf', () => {
  it('names the public and VPC hosts of each product', () => {
    expect(endpointOf('sae', 'cn-hangzhou', {})).toEqual({ protocol: 'https', host: 'sae.cn-hangzhou.aliyuncs.com' });
    expect(endpointOf('swas', 'ap-southeast-1', {})).toEqual({ protocol: 'https', host: 'swas.ap-southeast-1.aliyuncs.com' });
    expect(endpointOf('sae', 'cn-shanghai', { vpc: true })).toEqual({ protocol: 'https', host: 'sae-vpc.cn-shanghai.aliyuncs.com' });
    expect(endpointOf('swas', 'us-west-1', { vpc: true })).toEqual({ protocol: 'https', host: 'swas-vpc.us-west-1.aliyuncs.com' });
  });

  it('sends every product and region to the override', () => {
    for (const product of ['sae', 'swas'] as const) {
      for (const region of ['cn-hangzhou', 'eu-central-1']) {
        expect(endpointOf(product, region, { override: 'http://127.0.0.1:8090', vpc: true })).toEqual({
          protocol: 'http',
          host: '127.0.0.1:8090',
        });
      }
    }
    expect(endpointOf('sae', 'cn-hangzhou', { override: '' })).toEqual({ protocol: 'https', host: 'sae.cn-hangzhou.aliyuncs.com' });
  });

  it('refuses a region that is not one', () => {
    expect(() => endpointOf('sae', 'evil.example.com/x', {})).toThrow(/is not a region id/);
    expect(() => endpointOf('swas', 'Hangzhou', {})).toThrow(/is not a region id/);
  });
});

describe('parseEndpointOverride', () => {
  it.each([
    ['http://127.0.0.1:8090', { protocol: 'http', host: '127.0.0.1:8090' }],
    ['http://127.0.0.1:8090/', { protocol: 'http', host: '127.0.0.1:8090' }],
    ['https://proxy.internal', { protocol: 'https', host: 'proxy.internal' }],
    ['https://proxy.internal:8443', { protocol: 'https', host: 'proxy.internal:8443' }],
    ['http://[::1]:9000', { protocol: 'http', host: '[::1]:9000' }],
    [' http://localhost:1 ', { protocol: 'http', host: 'localhost:1' }],
  ])('%s', (value, expected) => {
    expect(parseEndpointOverride(value)).toEqual(expected);
  });

  it.each([
    ['127.0.0.1:8090', /OFFPEAK_ENDPOINT '127.0.0.1:8090' does not start with http:\/\/ or https:\/\//],
    ['localhost:8090', /does not start with http/],
    ['http://', /is not a URL/],
    ['ftp://host', /has protocol 'ftp:'/],
    ['http://host/base', /has a path, query or fragment/],
    ['http://host?x=1', /has a path, query or fragment/],
    ['http://user:pw@host', /carries user info/],
    ['', /does not start with http/],
  ])('refuses %s', (value, message) => {
    expect(() => parseEndpointOverride(value)).toThrow(message);
    expect(() => parseEndpointOverride(value)).toThrow(/expected http\(s\):\/\/host\[:port\]/);
  });
});
