import type { Render } from '../../ports/render.ts';
import { textIn } from '../../text/index.ts';
import { whoseRecords } from '../records/short-name.ts';
import type { RenderInvitationEmail } from './invitation-queue.ts';

/**
 * The "Access your records" email: the practice's name, the button, the expiry date. Nothing a
 * shared inbox should not hold: no PIN, no date of birth, no record details.
 */
export function createInvitationEmailRenderer(render: Render): RenderInvitationEmail {
  return ({ practiceName, link, expiresAt, locale, person }) => {
    // In the patient's language when the practice gave it, else English.
    const t = textIn(locale);
    const date = new Intl.DateTimeFormat(t.locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
      expiresAt,
    );
    const practice = { practice: practiceName, whose: whoseRecords(person.relationship), person: person.name };
    const text = [
      t('email.registration.heading', practice),
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
      html: render('email/registration', { t, practice, link, date }),
    };
  };
}
