import type { TestGateway } from './gateway.js';

/** A read of mail that email-security:read allows: what the authentication tests send. */
export const READ_MAIL = '{ messages(first: 2) { nodes { id subject from detection { action } } } }';

export const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

/**
 * POSTs through `yoga.fetch` and hands back the raw Response: these tests check the status and
 * headers a refusal carries, which `t.query` does not return.
 */
export async function post(t: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return t.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
