import { AppError } from '../errors/app-error.ts';
import { isDuplicateKeyError } from '../database/errors.ts';
import type { Models, PracticeDocument } from '../models/index.ts';

/** How a patient reaches the office, as the practice gives it. */
export interface PracticeContact {
  phone?: string | undefined;
  hours?: string | undefined;
}

const contactOf = (input: PracticeContact) => ({
  ...(input.phone !== undefined ? { phone: input.phone.trim() } : {}),
  ...(input.hours !== undefined ? { hours: input.hours.trim() } : {}),
});

/** Doctor's offices, and where their patients land after registering (their portal). */
export function createPractices(deps: {
  models: Models;
  /** Registered client metadata by id (the practice's portal is an OAuth client). */
  clientMetadata: (clientId: string) => Promise<Record<string, unknown> | undefined>;
}) {
  const { Practice } = deps.models;
  return {
    async create(input: { id: string; name: string } & PracticeContact): Promise<PracticeDocument> {
      try {
        return (await Practice.create({ _id: input.id, name: input.name, ...contactOf(input) })).toObject();
      } catch (error) {
        if (isDuplicateKeyError(error)) throw new AppError('practice.exists', { cause: error });
        throw error;
      }
    },
    async get(id: string): Promise<PracticeDocument> {
      const practice = await Practice.findById(id).lean<PracticeDocument>();
      if (!practice) throw new AppError('practice.not_found');
      return practice;
    },
    /**
     * Changes a practice's name, contact details or portal. The portal must be a registered client
     * with an initiate_login_uri (where a patient who registered from the email lands); `null` unsets.
     */
    async update(
      id: string,
      changes: { name?: string; portalClientId?: string | null } & PracticeContact,
    ): Promise<PracticeDocument> {
      if (changes.portalClientId) {
        const portal = await deps.clientMetadata(changes.portalClientId);
        if (!portal) throw new AppError('client.not_found');
        if (typeof portal.initiate_login_uri !== 'string') {
          throw new AppError('client.invalid_metadata', {
            message: `client ${changes.portalClientId} has no initiate_login_uri`,
          });
        }
      }
      const set = {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...contactOf(changes),
        ...(changes.portalClientId ? { portalClientId: changes.portalClientId } : {}),
      };
      const updated = await Practice.findOneAndUpdate(
        { _id: id },
        {
          ...(Object.keys(set).length > 0 ? { $set: set } : {}),
          ...(changes.portalClientId === null ? { $unset: { portalClientId: 1 } } : {}),
        },
        { returnDocument: 'after' },
      ).lean<PracticeDocument>();
      if (!updated) throw new AppError('practice.not_found');
      return updated;
    },
    async list(): Promise<PracticeDocument[]> {
      return Practice.find().sort({ _id: 1 }).lean<PracticeDocument[]>();
    },
    /** Where a patient who registered from the email lands signed in: the practice portal's initiate_login_uri (OpenID Connect third-party initiated login), if any. */
    async portalLoginUri(practiceId: string): Promise<string | undefined> {
      const practice = await Practice.findById(practiceId).lean<PracticeDocument>();
      const portal = practice?.portalClientId ? await deps.clientMetadata(practice.portalClientId) : undefined;
      const uri = portal?.initiate_login_uri;
      return typeof uri === 'string' ? uri : undefined;
    },
  };
}

export type Practices = ReturnType<typeof createPractices>;
