import { AppError } from '../errors/app-error.ts';
import { isDuplicateKeyError } from '../database/errors.ts';
import type { Models, PracticeDocument } from '../models/index.ts';

export function createPractices(deps: { models: Models }) {
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
  };
}

export type Practices = ReturnType<typeof createPractices>;
