import { lookup } from 'node:dns/promises';
import { connect } from 'node:tls';
import type { StepResult } from './report';

/** DNS of the relay's host: the addresses it resolves to. */
export async function checkDns(url: URL): Promise<StepResult> {
  try {
    const addresses = await lookup(url.hostname, { all: true });
    return { step: 'DNS', status: 'pass', detail: `${url.hostname} -> ${addresses.map((a) => a.address).join(', ')}` };
  } catch (error) {
    return {
      step: 'DNS',
      status: 'fail',
      detail: `${url.hostname} does not resolve (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      fix: 'Use the host azd printed (`azd env get-values | grep SERVICE_RELAY_URI`); a new Function App name can take a minute to appear in DNS.',
    };
  }
}

/** TLS of the relay's host (https only): protocol and certificate, validated as the senders validate it. */
export function checkTls(url: URL, timeoutMs = 15_000): Promise<StepResult> {
  if (url.protocol !== 'https:') {
    return Promise.resolve({ step: 'TLS', status: 'skip', detail: `${url.protocol}// is plain HTTP (a local relay)`, fix: 'Senders in production must use https://.' });
  }
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 443), servername: url.hostname, timeout: timeoutMs }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ step: 'TLS', status: 'pass', detail: `${socket.getProtocol() ?? 'TLS'}, certificate for ${cert.subject?.CN ?? '?'} valid until ${cert.valid_to}` });
      socket.end();
    });
    const fail = (why: string) => {
      resolve({ step: 'TLS', status: 'fail', detail: why, fix: 'Check the host name, and that no proxy intercepts TLS on this network (senders validate the App Service certificate).' });
      socket.destroy();
    };
    socket.on('error', (error) => fail(error.message));
    socket.on('timeout', () => fail(`no TLS handshake within ${timeoutMs / 1000} s`));
  });
}
