import Router from '@koa/router';
import type { Models, DevOutboxMessageDocument } from '../../models/index.ts';
import { routes } from '../../paths.ts';
import type { Pages } from '../page.ts';

/** Development only (never mounted in production): the messages the server sent, newest first. */
export function devOutboxPages(deps: { models: Models; pages: Pages }) {
  const router = new Router();
  router.get(routes.devOutbox, async (ctx) => {
    const messages = await deps.models.DevOutboxMessage.find()
      .sort({ createdAt: -1 })
      .limit(50)
      .lean<DevOutboxMessageDocument[]>();
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = {
        messages: messages.map(({ _id, channel, to, subject, text, createdAt }) => ({
          id: _id,
          channel,
          to,
          subject,
          text,
          createdAt,
        })),
      };
      return;
    }
    deps.pages.show(ctx, 'dev/outbox', 'page.dev_outbox.title', { messages });
  });
  return router;
}
