import { describe, expect, test } from 'vitest';
import { useTestGateway, type TestGateway } from '../../helpers/gateway.js';

let t: TestGateway;
useTestGateway(
  (gateway) => {
    t = gateway;
  },
  { reset: true },
);

const SUBMIT = /* GraphQL */ `
  mutation Submit($input: SubmitMiscategorizationInput!) {
    submitMiscategorization(input: $input) {
      __typename
      ... on SubmitMiscategorizationPayload { indicatorType indicator contentAdds securityAdds securityRemoves replayed }
      ... on MutationError { code message }
      ... on ValidationError { issues { path message } }
    }
  }
`;

async function submit(input: Record<string, unknown>) {
  const { body } = await t.query<{
    submitMiscategorization: Record<string, unknown> & { issues?: { path: string[]; message: string }[] };
  }>(SUBMIT, { input });
  expect(body.errors).toBeUndefined();
  return body.data?.submitMiscategorization as Record<string, unknown> & {
    __typename: string;
    issues?: { path: string[]; message: string }[];
  };
}

describe('submitMiscategorization', () => {
  test('a valid domain report reaches I1 with Cloudflare field names and is recorded', async () => {
    const result = await submit({
      indicatorType: 'DOMAIN',
      url: 'example.com',
      contentAdds: [82, 82],
      securityRemoves: [83],
    });
    expect(result).toMatchObject({
      __typename: 'SubmitMiscategorizationPayload',
      indicatorType: 'DOMAIN',
      indicator: 'example.com',
      contentAdds: [82],
    });
    expect(t.sim.requests[0]?.body).toEqual({
      indicator_type: 'domain',
      url: 'example.com',
      content_adds: [82],
      security_removes: [83],
    });
    expect(t.sim.state.miscategorizations).toHaveLength(1);
  });

  test('an IPv6 report sends ip and no url', async () => {
    await submit({ indicatorType: 'IPV6', ip: '2001:db8::1', securityAdds: [117] });
    expect(t.sim.requests[0]?.body).toEqual({ indicator_type: 'ipv6', ip: '2001:db8::1', security_adds: [117] });
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['category 169', { indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [169] }, /managed automatically/],
    [
      'category 177 in a removal',
      { indicatorType: 'DOMAIN', url: 'example.com', securityRemoves: [177] },
      /managed automatically/,
    ],
    [
      'an ip with a domain indicator',
      { indicatorType: 'DOMAIN', url: 'example.com', ip: '1.2.3.4', contentAdds: [1] },
      /only with indicatorType IPV4 or IPV6/,
    ],
    [
      'a url with an ip indicator',
      { indicatorType: 'IPV4', ip: '1.2.3.4', url: 'example.com', contentAdds: [1] },
      /only with indicatorType DOMAIN or URL/,
    ],
    [
      'an IPv6 address declared IPv4',
      { indicatorType: 'IPV4', ip: '2001:db8::1', contentAdds: [1] },
      /not a valid IPv4/,
    ],
    ['a malformed domain', { indicatorType: 'DOMAIN', url: 'not a domain', contentAdds: [1] }, /not a valid domain/],
    [
      'a URL that does not parse',
      { indicatorType: 'URL', url: 'http//broken', contentAdds: [1] },
      /not a valid http\(s\) URL/,
    ],
    ['no change at all', { indicatorType: 'DOMAIN', url: 'example.com' }, /at least one category change/],
    [
      'a category both added and removed',
      { indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [5], contentRemoves: [5] },
      /both added and removed/,
    ],
    ['a missing indicator', { indicatorType: 'URL', contentAdds: [5] }, /is required/],
  ];
  for (const [name, input, message] of refused) {
    test(`${name} is a ValidationError with zero upstream calls`, async () => {
      const result = await submit(input);
      expect(result.__typename).toBe('ValidationError');
      expect(result.issues?.some((issue) => message.test(issue.message))).toBe(true);
      expect(t.sim.count()).toBe(0);
    });
  }

  test('an idempotent repeat is answered from the first result without a second I1 call', async () => {
    const input = {
      indicatorType: 'URL',
      url: 'https://example.com/news/',
      contentAdds: [82],
      idempotencyKey: 'intel-1',
    };
    expect((await submit(input)).replayed).toBe(false);
    expect((await submit(input)).replayed).toBe(true);
    expect(t.sim.count('intel.miscategorizations.create')).toBe(1);
  });

  test('Cloudflare answering 400 is an UpstreamError carrying its error list, audited as failed', async () => {
    t.sim.injectFault({ endpoint: 'intel.miscategorizations.create', response: { kind: 'status', status: 400 } });
    const before = t.logs.length;
    const result = await submit({ indicatorType: 'DOMAIN', url: 'example.com', contentAdds: [82] });
    expect(result).toMatchObject({ __typename: 'UpstreamError', code: 'UPSTREAM_ERROR' });
    expect(t.logs.slice(before).find((line) => line.audit)?.audit).toMatchObject({
      action: 'submitMiscategorization',
      result: 'failed',
    });
  });
});
