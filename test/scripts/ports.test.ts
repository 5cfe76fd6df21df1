// `npm start` checks the ports it needs first, and names the program holding a busy one.
import net from 'node:net';
import { ensurePortsFree, freePort, portOwner } from '../../scripts/devstack/ports';

test('a busy port is refused by name, with its owner; free ports pass', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const busy = (server.address() as net.AddressInfo).port;
  try {
    expect(portOwner(busy)).toMatch(new RegExp(`^pid ${process.pid} \\(node`));
    const free = await freePort();
    await expect(ensurePortsFree([{ name: 'API', port: free }])).resolves.toBeUndefined();
    await expect(ensurePortsFree([{ name: 'API', port: free }, { name: 'MailDev SMTP', port: busy }])).rejects.toThrow(
      new RegExp(`port ${busy} \\(MailDev SMTP\\) is already in use by pid ${process.pid} \\(node`),
    );
  } finally {
    server.close();
  }
});
