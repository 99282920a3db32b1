import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** cfn-lint starts a Python interpreter and loads every resource schema: seconds when idle, far more on a busy machine. */
export const CFN_LINT_TIMEOUT_MS = 180_000;

export interface CfnLintResult {
  code: number;
  output: string;
}

/** Runs cfn-lint on template files; a missing cfn-lint is an error that says how to install it. */
export async function cfnLint(files: string[], args: string[] = []): Promise<CfnLintResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)('cfn-lint', [...args, '--', ...files], {
      timeout: CFN_LINT_TIMEOUT_MS - 5_000,
    });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT')
      throw new Error('cfn-lint was not found on PATH. Install it with: pip install cfn-lint');
    return { code: Number(failed.code), output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
