import type { Translate } from '../../text/index.ts';

/**
 * The security questions a patient chooses from when creating an account (used for recovery
 * without email, always beside a possession factor). Their words are `question.<id>` in src/text.
 */
export const SECURITY_QUESTION_IDS = [
  'first_pet',
  'birth_city',
  'first_school',
  'childhood_street',
  'first_job',
  'favorite_teacher',
] as const;

export type SecurityQuestionId = (typeof SECURITY_QUESTION_IDS)[number];

/** The questions as a page or a flow's JSON lists them, in the reader's language. */
export function securityQuestions(t: Translate): { id: SecurityQuestionId; text: string }[] {
  return SECURITY_QUESTION_IDS.map((id) => ({ id, text: t(`question.${id}`) }));
}

/**
 * Answers are compared after normalising what people vary without meaning to: Unicode form,
 * case, surrounding and repeated spaces, punctuation. "  Mr. Whiskers " equals "mr whiskers".
 */
export function normaliseAnswer(answer: string): string {
  return answer
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
