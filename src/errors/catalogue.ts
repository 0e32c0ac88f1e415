/**
 * Every error code this service answers with, its HTTP status and the message a person reads.
 * Codes are stable: clients branch on them. The README's error table is tested against this list.
 * OAuth/OIDC protocol errors are oidc-provider's own and are not listed here.
 */
export const errorCatalogue = {
  'guard.invalid_input': { status: 400, message: 'The request is not valid.' },
  'guard.unsupported_media_type': { status: 415, message: 'Send the request body as JSON or as a form.' },
  'guard.body_too_large': { status: 413, message: 'The request body is too large.' },
  'route.not_found': { status: 404, message: 'There is nothing here.' },
  'route.method_not_allowed': { status: 405, message: 'This method is not allowed here.' },
  'csrf.invalid': { status: 403, message: 'This form has expired. Go back, reload the page and try again.' },
  'interaction.not_found': {
    status: 400,
    message: 'This sign-in has expired or was already completed. Go back to the application and start again.',
  },
  'interaction.invalid_action': { status: 400, message: 'That step is not available at this point of the sign-in.' },
  'login.invalid_credentials': { status: 401, message: 'The username or password is incorrect.' },
  'consent.client_mismatch': { status: 400, message: 'This consent does not belong to the current sign-in.' },
  'config.invalid': { status: 500, message: 'The server configuration is not valid.' },
  'cli.invalid_input': { status: 400, message: 'The command input is not valid.' },
  'client.exists': { status: 409, message: 'A client with this id already exists.' },
  'client.not_found': { status: 404, message: 'No client has this id.' },
  'client.invalid_metadata': { status: 400, message: 'The client metadata is not valid.' },
  'account.username_taken': { status: 409, message: 'Username has already been taken.' },
  'password.policy_violation': { status: 400, message: 'My password does not meet security requirements.' },
  'api.unauthorized': { status: 401, message: 'A valid access token for this API is required.' },
  'api.insufficient_scope': { status: 403, message: 'The access token does not allow this operation.' },
  'practice.not_found': { status: 404, message: 'No practice has this id.' },
  'practice.exists': { status: 409, message: 'A practice with this id already exists.' },
  'enrollment.not_found': { status: 404, message: 'No enrollment has this id.' },
  'enrollment.already_claimed': { status: 409, message: 'This enrollment was already used to register an account.' },
  'enrollment.revoked': { status: 409, message: 'This enrollment was revoked. Create a new one.' },
  'enrollment.locked': {
    status: 423,
    message: 'Registration is locked after too many failed attempts. Ask your doctor to enroll you again.',
  },
  'idempotency.key_reused': { status: 422, message: 'This Idempotency-Key was already used with a different request.' },
  'idempotency.unreplayable': {
    status: 409,
    message:
      'The first response to this Idempotency-Key can no longer be replayed. Check the enrollment list, or retry with a new key.',
  },
  'idempotency.in_progress': { status: 409, message: 'A request with this Idempotency-Key is still in progress. Retry shortly.' },
  'link.expired': { status: 410, message: 'Your registration link has expired. Ask your doctor to enroll you again.' },
  'flow.not_found': {
    status: 404,
    message: 'This registration was not found or has expired. Open the link from your email again.',
  },
  'flow.expired': { status: 410, message: 'This registration has expired. Open the link from your email again.' },
  'flow.invalid_transition': { status: 400, message: 'That step is not available at this point of the registration.' },
  'flow.conflict': { status: 409, message: 'This registration was changed in another window. Reload the page and continue.' },
  'verification.failed': {
    status: 400,
    message: 'We could not verify your identity with the information provided. Check it and try again.',
  },
  'verification.method_unavailable': {
    status: 400,
    message: 'This way of verifying is not available for your record. Use your date of birth and PIN.',
  },
  'sms.too_soon': { status: 429, message: 'A code was just sent. Wait a few seconds before asking for a new one.' },
  'sms.limit_reached': { status: 429, message: 'Too many codes were requested. Try again later or use your PIN.' },
  'sms.unavailable': { status: 503, message: 'We could not send the text message just now. Try again in a moment.' },
  'registration.already_claimed': {
    status: 409,
    message: 'Your registration link has expired. Ask your doctor to enroll you again.',
  },
  'username.invalid': {
    status: 400,
    message: 'Choose a username of 3 to 64 characters: letters, digits, and . _ - @ +',
  },
  'security_answer.invalid': { status: 400, message: 'Answer your security question (at least 2 characters).' },
  'record.not_found': { status: 404, message: 'No record of this practice has this id.' },
  'record_link.not_found': { status: 404, message: 'This record has no link with this id.' },
  'patient.not_linked': { status: 400, message: 'Choose one of the records shown.' },
  'server.unavailable': { status: 503, message: 'The service is temporarily unavailable. Try again shortly.' },
  'server.internal': { status: 500, message: 'Something went wrong on our side. Try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
