import type { AccountDocument } from '../../models/index.ts';
import type { MailTransport } from '../../ports/mail.ts';
import type { Render } from '../../ports/render.ts';
import type { SmsSender } from '../../ports/sms.ts';
import type { Translate } from '../../text/index.ts';

interface Notice {
  subject: string;
  heading: string;
  paragraphs: string[];
  button?: { text: string; link: string };
  footer: string;
}

/**
 * The messages an account gets about itself: a reset link, a username reminder, "your password
 * was changed". Sent at once (not queued): each is answered to a person waiting for it, and a
 * failure is logged and reported to the caller, who decides whether anyone may know.
 */
export function createAccountNotices(deps: { mail: MailTransport; sms: SmsSender | undefined; render: Render; issuer: string }) {
  function send(to: string, notice: Notice, t: Translate): Promise<void> {
    const text = [
      notice.heading,
      '',
      ...notice.paragraphs.flatMap((paragraph) => [paragraph, '']),
      ...(notice.button ? [`${notice.button.text}: ${notice.button.link}`, ''] : []),
      notice.footer,
    ].join('\n');
    return deps.mail.send({ to, subject: notice.subject, text, html: deps.render('email/notice', { t, ...notice }) });
  }

  return {
    /** The reset link for one account, mailed to its email on file. */
    recoveryLink(account: AccountDocument, link: string, t: Translate): Promise<void> {
      if (!account.email) return Promise.resolve();
      return send(
        account.email,
        {
          subject: t('email.recovery.subject'),
          heading: t('email.recovery.heading'),
          paragraphs: [t('email.recovery.intro', { username: account.username }), t('email.recovery.expiry')],
          button: { text: t('email.recovery.button'), link },
          footer: t('email.recovery.why'),
        },
        t,
      );
    },

    /** Every username tied to an email, mailed to it. */
    usernameReminder(email: string, usernames: string[], t: Translate): Promise<void> {
      return send(
        email,
        {
          subject: t('email.username.subject'),
          heading: t('email.username.heading'),
          paragraphs: [t('email.username.intro'), ...usernames, t('email.username.sign_in', { issuer: deps.issuer })],
          footer: t('email.username.why'),
        },
        t,
      );
    },

    /** The link that confirms a new email address, sent to that address. */
    emailConfirmation(account: AccountDocument, email: string, link: string, t: Translate): Promise<void> {
      return send(
        email,
        {
          subject: t('email.confirm_email.subject'),
          heading: t('email.confirm_email.heading'),
          paragraphs: [t('email.confirm_email.intro', { username: account.username }), t('email.recovery.expiry')],
          button: { text: t('email.confirm_email.button'), link },
          footer: t('email.confirm_email.why'),
        },
        t,
      );
    },

    /**
     * "Your <what> was changed", to the contact that was on file before the change (the old email
     * or number): if someone else made it, the owner hears of it where they still can.
     */
    async changed(
      what:
        | 'email'
        | 'phone'
        | 'username'
        | 'security_question'
        | 'second_factor_added'
        | 'second_factor_removed'
        | 'recovery_codes'
        | 'deactivated'
        | 'closed'
        | 'merged',
      before: { email?: string | null | undefined; phoneNumber?: string | null | undefined },
      t: Translate,
    ): Promise<void> {
      const sends: Promise<void>[] = [];
      if (before.email) {
        sends.push(
          send(
            before.email,
            {
              subject: t('email.changed.subject'),
              heading: t(`email.changed.${what}`),
              paragraphs: [t('email.password_changed.not_you')],
              footer: t('email.password_changed.why'),
            },
            t,
          ),
        );
      }
      if (before.phoneNumber && deps.sms) sends.push(deps.sms.send(before.phoneNumber, t(`email.changed.${what}`)));
      const results = await Promise.allSettled(sends);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },

    /** "Your password was changed", to every contact on file (email and phone). */
    async passwordChanged(account: AccountDocument, t: Translate): Promise<void> {
      const sends: Promise<void>[] = [];
      if (account.email) {
        sends.push(
          send(
            account.email,
            {
              subject: t('email.password_changed.subject'),
              heading: t('email.password_changed.heading'),
              paragraphs: [
                t('email.password_changed.intro', { username: account.username }),
                t('email.password_changed.not_you'),
              ],
              footer: t('email.password_changed.why'),
            },
            t,
          ),
        );
      }
      if (account.phoneNumber && deps.sms) sends.push(deps.sms.send(account.phoneNumber, t('sms.password_changed')));
      const results = await Promise.allSettled(sends);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

export type AccountNotices = ReturnType<typeof createAccountNotices>;
