import { randomUUID } from 'node:crypto';
import type { EnrollmentDocument, Models, PracticeDocument } from '../models/index.ts';
import type { Enrollments } from './enrollments.ts';
import type { Logger } from './logger.ts';
import type { MailMessage, MailTransport } from './mail.ts';

export const MAX_DELIVERY_ATTEMPTS = 10;
const SENDING_LEASE_MS = 60_000;

/** Exponential backoff: 5 s, 10 s, 20 s … capped at 30 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(attempts - 1, 0), 30 * 60_000);
}

export type RenderRegistrationEmail = (input: { practiceName: string; link: string; expiresAt: Date }) => Omit<MailMessage, 'to'>;

/**
 * Sends queued registration emails. The queue is the enrollments collection itself: claiming a
 * message is one atomic update (`queued` → `sending` with a lease), so several instances never
 * send one message twice, and a crashed sender's lease runs out and another picks the message up.
 * While the SMTP server is down, messages wait with exponential backoff; after
 * MAX_DELIVERY_ATTEMPTS they are marked `failed` and the practice can reissue.
 */
export function createRegistrationMailQueue(deps: {
  models: Models;
  enrollments: Enrollments;
  transport: MailTransport;
  render: RenderRegistrationEmail;
  logger: Logger;
  now: () => Date;
  pollIntervalMs: number;
  /** Development: keep a copy of each sent message for the outbox page. */
  keepDevCopy: boolean;
}) {
  const { Enrollment, Practice, DevOutboxMessage } = deps.models;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;

  async function claimNext(): Promise<EnrollmentDocument | null> {
    const at = deps.now();
    return Enrollment.findOneAndUpdate(
      {
        $or: [
          { 'delivery.state': 'queued', 'delivery.nextAttemptAt': { $lte: at } },
          { 'delivery.state': 'sending', 'delivery.lockedUntil': { $lte: at } },
        ],
      },
      { $set: { 'delivery.state': 'sending', 'delivery.lockedUntil': new Date(at.getTime() + SENDING_LEASE_MS) } },
      { returnDocument: 'after', sort: { 'delivery.nextAttemptAt': 1 } },
    ).lean<EnrollmentDocument>();
  }

  async function deliver(enrollment: EnrollmentDocument): Promise<void> {
    const mine = { _id: enrollment._id, tokenNonce: enrollment.tokenNonce, 'delivery.state': 'sending' as const };
    const attempts = (enrollment.delivery?.attempts ?? 0) + 1;
    try {
      const practice = await Practice.findById(enrollment.practiceId).lean<PracticeDocument>();
      const to = enrollment.delivery?.to;
      if (!practice || !to) throw new Error('enrollment has no practice or recipient');
      const message = {
        to,
        ...deps.render({
          practiceName: practice.name,
          link: deps.enrollments.linkFor(deps.enrollments.tokenOf(enrollment)),
          expiresAt: new Date(enrollment.expiresAt),
        }),
      };
      await deps.transport.send(message);
      // Only if still ours: a reissue in the meantime queued a new message with a new link.
      await Enrollment.updateOne(mine, {
        $set: { 'delivery.state': 'sent', 'delivery.sentAt': deps.now(), 'delivery.attempts': attempts },
        $unset: { 'delivery.lockedUntil': 1, 'delivery.lastError': 1 },
      });
      if (deps.keepDevCopy) await DevOutboxMessage.create({ _id: randomUUID(), channel: 'email', ...message });
    } catch (error) {
      const failed = attempts >= MAX_DELIVERY_ATTEMPTS;
      const reason = error instanceof Error ? error.message : String(error);
      deps.logger.warn(
        { enrollmentId: enrollment._id, attempts, reason },
        failed ? 'registration email failed' : 'registration email will be retried',
      );
      await Enrollment.updateOne(mine, {
        $set: {
          'delivery.state': failed ? 'failed' : 'queued',
          'delivery.attempts': attempts,
          'delivery.lastError': reason.slice(0, 200),
          'delivery.nextAttemptAt': new Date(deps.now().getTime() + retryDelayMs(attempts)),
        },
        $unset: { 'delivery.lockedUntil': 1 },
      });
    }
  }

  /** Sends every message that is due; answers how many were attempted. */
  async function drainOnce(): Promise<number> {
    let attempted = 0;
    for (let next = await claimNext(); next; next = await claimNext()) {
      await deliver(next);
      attempted += 1;
    }
    return attempted;
  }

  /** One drain at a time per process; a request during a drain runs one more afterwards. */
  function kick(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = drainOnce()
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, 'mail queue drain failed');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void kick();
        }
      });
    return running;
  }

  return {
    drainOnce,
    kick,
    start() {
      timer ??= setInterval(() => void kick(), deps.pollIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type RegistrationMailQueue = ReturnType<typeof createRegistrationMailQueue>;
