import { bodyParser } from '@koa/bodyparser';

/** JSON and form bodies, small: nothing we accept is larger than a few fields. */
export function parseBody() {
  return bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '16kb', formLimit: '16kb', encoding: 'utf-8' });
}
