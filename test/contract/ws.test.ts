/** The host's WebSocket binding under the shared contract suite: a real server, a real `ws` client. */
import { startHost } from '../../src/main/host/server';
import { HOST_TOKEN_SECRET_ID } from '../../src/main/host/auth';
import { describeContract } from './contractSuite';
import { MemoryKeychain } from './testBackend';
import { connectWs } from './wsClient';

describeContract('WebSocket host', async ({ dispatcher, events }) => {
  const keychain = new MemoryKeychain();
  const host = await startHost({ dispatcher, events, keychain, port: 0, rendererDir: null });
  const token = keychain.values.get(HOST_TOKEN_SECRET_ID)!;
  const ws = await connectWs(host.url, { authorization: `Bearer ${token}` });
  return {
    invoke: (route, input) => ws.invoke(route, input),
    async close() {
      await ws.close();
      await host.close();
    },
  };
});
