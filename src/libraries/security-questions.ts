/** The security questions a patient chooses from when creating an account (used for recovery without email). */
export const SECURITY_QUESTIONS = [
  { id: 'first_pet', text: 'What was the name of your first pet?' },
  { id: 'birth_city', text: 'In what city were you born?' },
  { id: 'first_school', text: 'What was the name of your first school?' },
  { id: 'childhood_street', text: 'What street did you live on as a child?' },
  { id: 'first_job', text: 'What was your first job?' },
  { id: 'favorite_teacher', text: "What was your favorite teacher's last name?" },
] as const;

export type SecurityQuestionId = (typeof SECURITY_QUESTIONS)[number]['id'];

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
