import { useTestGateway, type TestGateway } from '../../helpers/gateway.js';

/** The gateway of the test file that called `useMessageGateway`; set before its first test runs. */
export let t: TestGateway;

/** One gateway for the file; every test starts on a freshly seeded simulator. */
export function useMessageGateway(): void {
  useTestGateway(
    (gateway) => {
      t = gateway;
    },
    { reset: true },
  );
}

/** The id of a listed message whose final disposition is `predicate` (`'detection'`: a MALICIOUS one). */
export async function findMessage(predicate: string) {
  const { body } = await t.query<{
    messages: { nodes: { id: string; finalDisposition: string | null; isQuarantined: boolean }[] };
  }>(`{ messages(first: 100) { nodes { id finalDisposition isQuarantined } } }`);
  const nodes = body.data?.messages.nodes ?? [];
  const found = nodes.find((node) =>
    predicate === 'detection' ? node.finalDisposition === 'MALICIOUS' : node.finalDisposition === predicate,
  );
  t.sim.resetRequests();
  return found?.id as string;
}
