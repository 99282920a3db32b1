import { nodeVersionNotice } from '../../src/cli/context.js';

/**
 * The AWS SDK's eight-line notice about Node versions, said in the CLI's one line instead, for a script about to
 * build SDK clients. Whoever silenced the SDK's notice gets neither.
 */
export function sayNodeVersionNoticeOnce(): void {
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === 'true') return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const notice = nodeVersionNotice(process.version);
  if (notice) process.stderr.write(`${notice}\n`);
}
