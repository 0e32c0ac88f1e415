import type { ProviderPages } from '../oidc/provider.ts';
import type { Render } from './render.ts';

/** The pages oidc-provider renders itself (protocol errors, logout), drawn with our templates. */
export function createProviderPages(render: Render): ProviderPages {
  return {
    error(ctx, out) {
      ctx.type = 'html';
      ctx.body = render('error', {
        title: 'Error',
        message: out.error_description ?? 'The request could not be completed.',
        code: out.error,
      });
    },
    logout(ctx, form) {
      ctx.type = 'html';
      const client = ctx.oidc.client?.clientName;
      ctx.body = render('logout', { title: 'Sign out', form, client });
    },
    logoutSuccess(ctx) {
      ctx.type = 'html';
      const client = ctx.oidc.client?.clientName;
      ctx.body = render('logout-success', { title: 'Signed out', client });
    },
  };
}
