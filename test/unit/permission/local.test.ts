import { IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';

const iamMock = mockClient(IAMClient);
const roleArn = 'arn:aws:iam::123456789012:role/AmazonBedrockAgentCoreSDKRuntime-us-west-2-abc';

afterEach(() => {
  vi.doUnmock('@cloud-copilot/iam-simulate');
  vi.resetModules();
  iamMock.reset();
});

describe('local permission evaluation', () => {
  it('says how to install the optional simulator, or to let IAM evaluate, without calling IAM, where it is absent', async () => {
    // Prepare: what a bundle without the package sees on import.
    vi.doMock('@cloud-copilot/iam-simulate', () => {
      throw new Error("Cannot find package '@cloud-copilot/iam-simulate'");
    });
    const { checkCodeInterpreterPermissions } = await import('../../../src/permission/check.js');
    const { LocalSimulationError } = await import('../../../src/permission/report.js');
    // Act
    const attempt = checkCodeInterpreterPermissions(roleArn, { iam: new IAMClient({}), mode: 'local' });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LocalSimulationError);
    await expect(attempt).rejects.toThrow(/npm install @cloud-copilot\/iam-simulate/);
    await expect(attempt).rejects.toThrow(/iam:SimulatePrincipalPolicy/);
    expect(iamMock.calls()).toHaveLength(0);
  });
});
