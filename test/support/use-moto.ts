import { afterAll, beforeAll, beforeEach } from 'vitest';
import { leaseMoto, type MotoServer, useEndpoint } from './moto.js';

/**
 * One emulator for the test file: leased before its tests (see leaseMoto), every SDK client built after pointed at it,
 * wiped before each test (each starts from an empty account), released after the file.
 */
export function useMoto(options: { resetBeforeEach?: boolean } = {}): { readonly endpoint: string } {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await leaseMoto();
    useEndpoint(server.endpoint);
  });
  if (options.resetBeforeEach ?? true) beforeEach(async () => server?.reset());
  afterAll(async () => server?.release());
  return {
    get endpoint() {
      if (!server) throw new Error('useMoto(): the emulator is not running yet (use it inside a test or hook).');
      return server.endpoint;
    },
  };
}
