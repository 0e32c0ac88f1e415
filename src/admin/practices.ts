import { AppError } from '../errors/app-error.ts';
import type { EnrollmentDocument, PracticeDocument } from '../models/index.ts';
import { isoOf } from './accounts.ts';
import type { AdminOperations, AdminServices, PracticeView } from './types.ts';

function practiceView(practice: PracticeDocument, clients?: string[]): PracticeView {
  const createdAt = isoOf((practice as { createdAt?: Date }).createdAt);
  return {
    id: practice._id,
    name: practice.name,
    ...(practice.phone ? { phone: practice.phone } : {}),
    ...(practice.hours ? { hours: practice.hours } : {}),
    ...(practice.portalClientId ? { portalClientId: practice.portalClientId } : {}),
    ...(createdAt ? { createdAt } : {}),
    ...(clients ? { clients } : {}),
  };
}

/** Practices (their name, how patients reach the office, their portal) and enrolling a record for one. */
export function practiceOperations(services: AdminServices, actor: string): AdminOperations['practices'] {
  const models = () => services.stores.models;
  /** The practice, or `practice.not_found` naming the id the operator gave. */
  async function practiceNamed(id: string): Promise<PracticeDocument> {
    try {
      return await services.domain.practices.get(id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'practice.not_found')
        throw new AppError('practice.not_found', {
          message: `no practice has the id "${id}" (see \`practice list\`)`,
          cause: error,
        });
      throw error;
    }
  }

  return {
    async add(input) {
      return practiceView(await services.domain.practices.create(input));
    },
    async enroll(practiceId, input, options) {
      const practice = await practiceNamed(practiceId);
      const issued = await services.domain.enrollments.create({ id: practice._id, clientId: actor }, input);
      // Sent now (a CLI exits right after): the answer tells whether the email went.
      await services.domain.invitations.kick();
      await services.domain.invitations.drainOnce();
      const stored = await models().Enrollment.findById(issued.enrollment.id).lean<EnrollmentDocument>();
      if (!stored) throw new AppError('enrollment.not_found');
      const { enrollments } = services.domain;
      const link = issued.registrationUrl ?? (options.showLink ? enrollments.linkFor(enrollments.tokenOf(stored)) : undefined);
      return {
        practice: { id: practice._id, name: practice.name },
        enrollment: await enrollments.get(practice._id, issued.enrollment.id),
        pin: issued.pin,
        ...(link ? { registrationUrl: link } : {}),
      };
    },
    async update(id, changes) {
      await practiceNamed(id);
      return practiceView(await services.domain.practices.update(id, changes));
    },
    async list() {
      const [practices, clients] = await Promise.all([services.domain.practices.list(), services.oidc.clients.list()]);
      const clientsOf = (id: string) => clients.filter((client) => client.practice_id === id).map((client) => client.client_id);
      return practices.map((practice) => practiceView(practice, clientsOf(practice._id)));
    },
    async get(id) {
      const [practice, clients] = await Promise.all([services.domain.practices.get(id), services.oidc.clients.list()]);
      return practiceView(
        practice,
        clients.filter((client) => client.practice_id === id).map((client) => client.client_id),
      );
    },
  };
}
