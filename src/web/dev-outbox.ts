import Router from '@koa/router';
import type { Models, DevOutboxMessageDocument } from '../models/index.ts';
import { securityHeaders } from '../middleware/security-headers.ts';
import type { Render } from './render.ts';

/** Development only (never mounted in production): the messages the server sent, newest first. */
export function devOutboxPages(deps: { models: Models; render: Render }) {
  const router = new Router();
  router.use(securityHeaders());
  router.get('/dev/outbox', async (ctx) => {
    const messages = await deps.models.DevOutboxMessage.find()
      .sort({ createdAt: -1 })
      .limit(50)
      .lean<DevOutboxMessageDocument[]>();
    ctx.set('Cache-Control', 'no-store');
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
    ctx.type = 'html';
    ctx.body = deps.render('dev/outbox', { title: 'Development outbox', messages });
  });
  return router;
}
