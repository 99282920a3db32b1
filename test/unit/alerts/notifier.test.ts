import { describe, expect, it, vi } from 'vitest';
import { AlertNotDeliveredError, deliverAlert, lazyNotifier, type Notifier } from '../../../src/alerts/notifier.js';
import type { AlertSubject } from '../../../src/alerts/state.js';

const subject: AlertSubject = {
  key: 'role:AROAEXAMPLE',
  status: 'failing',
  reason: 'untrusted',
  observed: 'untrusted',
  message: () => {
    throw new Error('not built in these tests');
  },
};

describe('lazyNotifier', () => {
  it('is absent where no alert table or topic is configured (the CLI)', () => {
    // Act / Assess
    expect(lazyNotifier({ region: 'us-east-1' })).toBeUndefined();
    expect(lazyNotifier({ region: 'us-east-1', tableName: 't' })).toBeUndefined();
    expect(lazyNotifier({ region: 'us-east-1', topicArn: 'arn:aws:sns:us-east-1:123456789012:a' })).toBeUndefined();
    expect(
      lazyNotifier({ region: 'us-east-1', tableName: 't', topicArn: 'arn:aws:sns:us-east-1:123456789012:a' }),
    ).toBeDefined();
  });
});

describe('deliverAlert', () => {
  it('does nothing without a notifier', async () => {
    // Act / Assess
    await expect(deliverAlert(undefined, subject)).resolves.toBeUndefined();
  });

  it('fails the caller with what to expect when SNS refused the alert, so the event comes again', async () => {
    // Prepare
    const notifier: Notifier = {
      notify: vi.fn(async () => ({
        action: 'publish-failed' as const,
        kind: 'failing' as const,
        error: 'AuthorizationError',
      })),
    };
    // Act
    const attempt = deliverAlert(notifier, subject);
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AlertNotDeliveredError);
    await expect(attempt).rejects.toThrow(/role:AROAEXAMPLE.*AuthorizationError.*delivered again/);
  });

  it('is done when the alert went out, or was not due', async () => {
    // Prepare
    const notifier: Notifier = { notify: vi.fn(async () => ({ action: 'none' as const })) };
    // Act / Assess
    await expect(deliverAlert(notifier, subject)).resolves.toBeUndefined();
    expect(notifier.notify).toHaveBeenCalledWith(subject);
  });
});
