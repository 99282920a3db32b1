import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A focused fake of IAM's query protocol on 127.0.0.1, for what moto cannot do (throttle, race a second writer):
 * `respond` maps each request's `Action` to a status and an XML body; every action is recorded in `requests`.
 */
export async function startFakeIam(respond: (action: string) => [status: number, xml: string]) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '';
      requests.push(action);
      const [status, xml] = respond(action);
      res.writeHead(status, { 'content-type': 'text/xml' }).end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export const iamResult = (action: string, result: string) =>
  `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>` +
  `<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;

export const iamError = (code: string, message: string) =>
  `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
  '<RequestId>r</RequestId></ErrorResponse>';
