import { compileFile, type compileTemplate } from 'pug';
import path from 'node:path';
import { packageFile } from '../config/package-files.ts';

const viewsDirectory = packageFile('views');

/** Renders views/<name>.pug; templates are compiled once and kept. Locals must be public data only. */
export function createRenderer(options: { cache: boolean }) {
  const compiled = new Map<string, compileTemplate>();
  return function render(name: string, locals: Record<string, unknown>): string {
    let template = compiled.get(name);
    if (!template) {
      template = compileFile(path.join(viewsDirectory, `${name}.pug`), { basedir: viewsDirectory });
      if (options.cache) compiled.set(name, template);
    }
    return template(locals);
  };
}

export type Render = ReturnType<typeof createRenderer>;
