import type { Render } from '../../ports/render.ts';
import { textIn } from '../../text/index.ts';
import type { RenderInvitationEmail } from './invitation-queue.ts';

/**
 * The "Access your records" email: the practice's name, the button, the expiry date. Nothing a
 * shared inbox should not hold: no PIN, no date of birth, no record details.
 */
export function createInvitationEmailRenderer(render: Render): RenderInvitationEmail {
  return ({ practiceName, link, expiresAt, locale }) => {
    // In the patient's language when the practice gave it, else English.
    const t = textIn(locale);
    const date = new Intl.DateTimeFormat(t.locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
      expiresAt,
    );
    const practice = { practice: practiceName };
    const text = [
      t('email.registration.heading'),
      '',
      t('email.registration.intro', practice),
      '',
      t('email.registration.how_text'),
      '',
      `${t('email.registration.button')}: ${link}`,
      '',
      t('email.registration.expiry', { date }),
      '',
      t('email.registration.why', practice),
    ].join('\n');
    return {
      subject: t('email.registration.subject', practice),
      text,
      html: render('email/registration', { t, practiceName, link, date }),
    };
  };
}
