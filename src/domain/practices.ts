import { AppError } from '../errors/app-error.ts';
import { isDuplicateKeyError } from '../database/errors.ts';
import type { Models, PracticeDocument } from '../models/index.ts';

/** Doctor's offices, and where their patients land after registering (their portal). */
export function createPractices(deps: {
  models: Models;
  /** Registered client metadata by id (the practice's portal is an OAuth client). */
  clientMetadata: (clientId: string) => Promise<Record<string, unknown> | undefined>;
}) {
  const { Practice } = deps.models;
  return {
    async create(input: { id: string; name: string }): Promise<PracticeDocument> {
      try {
        return (await Practice.create({ _id: input.id, name: input.name })).toObject();
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
