import type { Render } from './render-port.ts';
import type { RenderRegistrationEmail } from './registration-mail-queue.ts';

/**
 * The "Access your records" email: the practice's name, the button, the expiry date. Nothing a
 * shared inbox should not hold: no PIN, no date of birth, no record details.
 */
export function createRegistrationEmailRenderer(render: Render): RenderRegistrationEmail {
  return ({ practiceName, link, expiresAt }) => {
    const expiresOn = expiresAt.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
    const text = [
      'Your health records are ready',
      '',
      `${practiceName} has given you access to your health records in the patient portal.`,
      '',
      'To register, open the link below ("Access your records"). You will confirm who you are with the PIN your',
      "doctor's office gave you, or with a security code sent to your phone.",
      '',
      `Access your records: ${link}`,
      '',
      `This link can be used once and expires on ${expiresOn}. If it has expired, ask your doctor's office to enroll you again.`,
      '',
      `You received this email because ${practiceName} enrolled you in the patient portal. If you did not expect it, you can ignore it.`,
    ].join('\n');
    return {
      subject: `Access your health records from ${practiceName}`,
      text,
      html: render('email/registration', { practiceName, link, expiresOn }),
    };
  };
}
