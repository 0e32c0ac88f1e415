import { randomBytes } from 'node:crypto';
import type { Models, RecoveryTicketDocument } from '../../models/index.ts';
import type { Secrets } from '../../platform/secrets.ts';

/** A mailed reset link works this long, once (the help article's "reset your password" email). */
export const RECOVERY_LINK_TTL_MS = 30 * 60 * 1000;

/**
 * The single-use secrets of mailed password-reset links. Only the secret's hash is stored;
 * redeeming deletes the ticket, and the one delete that removes it wins a race.
 */
export function createRecoveryTickets(deps: { models: Models; secrets: Pick<Secrets, 'hashToken'>; now: () => Date }) {
  const { RecoveryTicket } = deps.models;
  return {
    /** A new link secret for the account, continuing `flowId`. */
    async issue(accountId: string, flowId: string): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      await RecoveryTicket.create({
        _id: deps.secrets.hashToken(token),
        accountId,
        flowId,
        expiresAt: new Date(deps.now().getTime() + RECOVERY_LINK_TTL_MS),
      });
      return token;
    },

    /** The flow a live link continues, without spending it (spending is `redeem`'s). */
    async peek(token: string): Promise<{ flowId: string } | undefined> {
      const ticket = await RecoveryTicket.findById(deps.secrets.hashToken(token)).lean<RecoveryTicketDocument>();
      return ticket && ticket.expiresAt.getTime() > deps.now().getTime() ? { flowId: ticket.flowId } : undefined;
    },

    /** Spends a link: the ticket when it was live and this call removed it; otherwise undefined. */
    async redeem(token: string): Promise<{ accountId: string; flowId: string } | undefined> {
      const _id = deps.secrets.hashToken(token);
      const ticket = await RecoveryTicket.findById(_id).lean<RecoveryTicketDocument>();
      if (!ticket) return undefined;
      const { deletedCount } = await RecoveryTicket.deleteOne({ _id });
      if (deletedCount !== 1 || ticket.expiresAt.getTime() <= deps.now().getTime()) return undefined;
      return { accountId: ticket.accountId, flowId: ticket.flowId };
    },

    /** A new password ends every link still in the mail. */
    async revokeAll(accountId: string): Promise<void> {
      await RecoveryTicket.deleteMany({ accountId });
    },
  };
}

export type RecoveryTickets = ReturnType<typeof createRecoveryTickets>;
