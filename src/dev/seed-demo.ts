import type { Container } from '../container.ts';
import { isLive, type EnrollmentStatus } from '../domain/enrollment/lifecycle.ts';
import type { EnrollmentDocument } from '../models/index.ts';
import { routes } from '../paths.ts';
import { DEMO_PORTAL } from '../web/dev/demo-portal.ts';

/** Demo data for the embedded default in development, so a newcomer can sign in and register at once. */
export const DEMO = {
  username: 'demo',
  password: 'Demo-Password-1',
  clientId: DEMO_PORTAL.clientId,
  practiceId: 'demo-practice',
  practiceName: 'Demo Family Practice',
  record: {
    id: 'DEMO-0001',
    givenName: 'Alex',
    familyName: 'Rivera',
    dateOfBirth: '1985-07-14',
    email: 'alex@example.org',
    phone: '+14155550123',
  },
} as const;

/** The demo enrollment's `createdByClientId`. */
const SEED_CLIENT_ID = 'demo-seed';
/** A reissue gives these a new link and PIN; a claimed or revoked enrollment cannot be reissued. */
const REISSUABLE: readonly EnrollmentStatus[] = ['expired', 'locked'];

const ENROLL_COMMAND =
  `npx patient-idp enroll --practice ${DEMO.practiceId} --record-id ${DEMO.record.id} --given-name ${DEMO.record.givenName} ` +
  `--family-name ${DEMO.record.familyName} --dob ${DEMO.record.dateOfBirth} --email ${DEMO.record.email} --show-link`;

/** Idempotent: creates what is missing, leaves what exists. */
export async function seedDemoData(container: Container): Promise<void> {
  const { config } = container;
  const { accounts, practices } = container.domain;
  const { models } = container.stores;
  const { clients } = container.oidc;
  if (!(await models.Account.exists({ usernameKey: DEMO.username }))) {
    await accounts.create({
      username: DEMO.username,
      password: DEMO.password,
      email: 'demo@example.org',
      emailVerified: true,
      name: 'Demo Patient',
    });
  }
  if (!(await clients.get(DEMO.clientId))) {
    await clients.add({
      client_id: DEMO.clientId,
      client_name: DEMO_PORTAL.name,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [`${config.issuer}${routes.demoCallback}`],
      post_logout_redirect_uris: [`${config.issuer}${routes.demoPortal}`],
      // The demo practice's portal: registrations from its emails end signed in here. OpenID
      // Connect requires an https initiate_login_uri; over http the done page links to the portal.
      ...(config.issuer.startsWith('https://') ? { initiate_login_uri: `${config.issuer}${routes.demoLogin}` } : {}),
      first_party: true,
    });
  }
  if (!(await models.Practice.exists({ _id: DEMO.practiceId }))) {
    await practices.create({ id: DEMO.practiceId, name: DEMO.practiceName });
  }
  await models.Practice.updateOne({ _id: DEMO.practiceId, portalClientId: null }, { $set: { portalClientId: DEMO.clientId } });
  await seedDemoEnrollment(container);
}

/**
 * One usable enrollment for the demo record. Only hashes of its PIN and link are stored, so they
 * are logged (never persisted) when issued; a usable one is left alone, an unusable one replaced.
 */
async function seedDemoEnrollment(container: Container): Promise<void> {
  const { logger } = container;
  const { enrollments } = container.domain;
  const { models } = container.stores;
  const latest = await models.Enrollment.findOne({ practiceId: DEMO.practiceId, recordId: DEMO.record.id })
    .sort({ createdAt: -1 })
    .lean<EnrollmentDocument>();
  const status = latest ? enrollments.statusOf(latest) : undefined;

  if (latest && status && isLive(status)) {
    logger.info(
      { enrollmentId: latest._id, status, expiresAt: new Date(latest.expiresAt).toISOString() },
      `demo enrollment exists (${status}); its PIN and link were printed when it was issued. ` +
        `For a fresh PIN and link, stop the server and run: ${ENROLL_COMMAND} ` +
        `(or reissue it: POST /api/enrollments/${latest._id}/reissue from an EHR client of ${DEMO.practiceId})`,
    );
    return;
  }

  const issued =
    latest && status && REISSUABLE.includes(status)
      ? await enrollments.reissue(DEMO.practiceId, latest._id)
      : await enrollments.create(
          { id: DEMO.practiceId, clientId: SEED_CLIENT_ID },
          { record: { ...DEMO.record }, relationship: 'self', expiresInDays: 30 },
        );
  const stored = await models.Enrollment.findById(issued.enrollment.id).lean<EnrollmentDocument>();
  const link = enrollments.linkFor(enrollments.tokenOf(stored!));
  // The PIN goes in the message: the logger redacts fields named `pin`.
  logger.info(
    {
      enrollmentId: issued.enrollment.id,
      registrationUrl: link,
      expiresAt: issued.enrollment.expiresAt,
      ...(status ? { replacing: status } : {}),
    },
    `demo enrollment for ${DEMO.record.givenName} ${DEMO.record.familyName} (born ${DEMO.record.dateOfBirth}) at ${DEMO.practiceName}: ` +
      `PIN ${issued.pin}, registration link ${link} (also emailed to ${DEMO.record.email}: see /dev/outbox). Shown only now.`,
  );
}
