import type { EnrollmentDocument, Models, PatientRecordDocument, PracticeDocument } from '../../models/index.ts';
import { shortName } from '../records/short-name.ts';
import type { Logger } from '../../platform/logger.ts';
import type { MailMessage, MailTransport } from '../../ports/mail.ts';
import type { Enrollments } from './enrollments.ts';
import type { EnrollmentLifecycle } from './lifecycle.ts';

export const MAX_DELIVERY_ATTEMPTS = 10;

/** Exponential backoff: 5 s, 10 s, 20 s … capped at 30 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(attempts - 1, 0), 30 * 60_000);
}

export type RenderInvitationEmail = (input: {
  practiceName: string;
  link: string;
  expiresAt: Date;
  /** The patient's language, as the practice gave it. */
  locale?: string | null | undefined;
  /** Whose records: named in the subject and the text when they are not the reader's own (a child's, say). */
  person: { name: string; relationship: string };
}) => Omit<MailMessage, 'to'>;

/**
 * Sends queued invitation ("Access your records") emails. The queue is the enrollments
 * collection itself: taking a message is one atomic update (the lifecycle's `queued` → `sending`
 * with a lease), so several instances never send one message twice, and a crashed sender's lease
 * runs out and another picks the message up. While the SMTP server is down, messages wait with
 * exponential backoff; after MAX_DELIVERY_ATTEMPTS they are marked `failed` and the practice can reissue.
 */
export function createInvitationQueue(deps: {
  models: Models;
  lifecycle: EnrollmentLifecycle;
  enrollments: Pick<Enrollments, 'linkFor' | 'tokenOf'>;
  transport: MailTransport;
  render: RenderInvitationEmail;
  logger: Logger;
  now: () => Date;
  pollIntervalMs: number;
}) {
  const { Practice, PatientRecord } = deps.models;
  const { delivery } = deps.lifecycle;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let again = false;

  async function deliver(enrollment: EnrollmentDocument): Promise<void> {
    const attempts = (enrollment.delivery?.attempts ?? 0) + 1;
    try {
      const [practice, record] = await Promise.all([
        Practice.findById(enrollment.practiceId).lean<PracticeDocument>(),
        PatientRecord.findById(enrollment.patientRecordId).lean<PatientRecordDocument>(),
      ]);
      const to = enrollment.delivery?.to;
      if (!practice || !record || !to) throw new Error('enrollment has no practice, record or recipient');
      await deps.transport.send({
        to,
        ...deps.render({
          practiceName: practice.name,
          link: deps.enrollments.linkFor(deps.enrollments.tokenOf(enrollment)),
          expiresAt: new Date(enrollment.expiresAt),
          locale: enrollment.locale,
          person: { name: shortName(record), relationship: enrollment.relationship },
        }),
      });
      await delivery.sent(enrollment, attempts);
    } catch (error) {
      const final = attempts >= MAX_DELIVERY_ATTEMPTS;
      const reason = error instanceof Error ? error.message : String(error);
      deps.logger.warn(
        { enrollmentId: enrollment._id, attempts, reason },
        final ? 'registration email failed' : 'registration email will be retried',
      );
      await delivery.failed(enrollment, attempts, reason, new Date(deps.now().getTime() + retryDelayMs(attempts)), final);
    }
  }

  /** Sends every message that is due; answers how many were attempted. */
  async function drainOnce(): Promise<number> {
    let attempted = 0;
    for (let next = await delivery.takeNext(); next; next = await delivery.takeNext()) {
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

export type InvitationQueue = ReturnType<typeof createInvitationQueue>;
