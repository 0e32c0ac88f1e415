import type { KoaContextWithOIDC } from 'oidc-provider';

/** The pages oidc-provider renders itself (protocol errors, logout), drawn by src/web/provider-pages.ts. */
export interface ProviderPages {
  error(ctx: KoaContextWithOIDC, error: { error: string; error_description?: string | undefined }): void;
  logout(ctx: KoaContextWithOIDC, form: string): void;
  logoutSuccess(ctx: KoaContextWithOIDC): void;
}
