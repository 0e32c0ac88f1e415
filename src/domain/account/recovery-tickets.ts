import { randomBytes } from 'node:crypto';
import type { Models, RecoveryTicketDocument } from '../../models/index.ts';
import type { Secrets } from '../../platform/secrets.ts';

/** A mailed link (a password reset, an email confirmation) works this long, once. */
export const RECOVERY_LINK_TTL_MS = 30 * 60 * 1000;

/**
 * The single-use secrets of mailed password-reset links. Only the secret's hash is stored;
 * redeeming deletes the ticket, and the one delete that removes it wins a race.
 */
export function createRecoveryTickets(deps: { models: Models; secrets: Pick<Secrets, 'hashToken'>; now: () => Date }) {
  const { RecoveryTicket } = deps.models;
  return {
    /** A new link secret for the account, continuing `flowId`: a password reset, or (with `email`) confirming that address. */
    async issue(accountId: string, flowId: string, confirming?: { email: string }): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await RecoveryTicket.create({
        _id: deps.secrets.hashToken(token),
        accountId,
        flowId,
        purpose: confirming ? 'email' : 'recovery',
        ...(confirming ? { email: confirming.email } : {}),
        expiresAt: new Date(deps.now().getTime() + RECOVERY_LINK_TTL_MS),
      });
      return token;
    },

    /** The flow a live link continues, without spending it (spending is `redeem`'s). */
    async peek(token: string): Promise<{ flowId: string } | undefined> {
      const ticket = await RecoveryTicket.findById(deps.secrets.hashToken(token)).lean<RecoveryTicketDocument>();
      const live = ticket && (ticket.purpose ?? 'recovery') === 'recovery' && ticket.expiresAt.getTime() > deps.now().getTime();
      return live ? { flowId: ticket.flowId } : undefined;
    },

    /** Spends a link of this purpose: the ticket when it was live and this call removed it; otherwise undefined. */
    async redeem(
      token: string,
      purpose: 'recovery' | 'email' = 'recovery',
    ): Promise<{ accountId: string; flowId: string; email?: string } | undefined> {
      const _id = deps.secrets.hashToken(token);
      const ticket = await RecoveryTicket.findById(_id).lean<RecoveryTicketDocument>();
      if (!ticket || (ticket.purpose ?? 'recovery') !== purpose) return undefined;
      const { deletedCount } = await RecoveryTicket.deleteOne({ _id });
      if (deletedCount !== 1 || ticket.expiresAt.getTime() <= deps.now().getTime()) return undefined;
      return { accountId: ticket.accountId, flowId: ticket.flowId, ...(ticket.email ? { email: ticket.email } : {}) };
    },

    /** A new password ends every link still in the mail. */
    async revokeAll(accountId: string): Promise<void> {
      await RecoveryTicket.deleteMany({ accountId });
    },
  };
}

export type RecoveryTickets = ReturnType<typeof createRecoveryTickets>;
