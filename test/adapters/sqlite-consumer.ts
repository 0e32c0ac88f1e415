// A second process on the SQLite store's file (for sqlite-oidc-adapter.test.ts): consumes the
// authorization code whose id the parent sends, and answers whether it won.
import { createSqliteOidcStore } from '../../adapters/sqlite-oidc-adapter.ts';

const store = createSqliteOidcStore({ file: process.argv[2]! });
const codes = new store.Adapter('AuthorizationCode');
process.on('message', (id) => {
  codes.consume(String(id)).then(
    () => process.send!('won'),
    () => process.send!('lost'),
  );
});
process.on('disconnect', () => store.close());
process.send!('ready');
