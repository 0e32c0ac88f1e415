import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import type { Command } from 'commander';
import { AppError } from '../errors/app-error.ts';
import type { CliContext } from './context.ts';

/** Every SQLite file under `dir` (FerretDB's databases and the OIDC artifact store), relative paths. */
async function sqliteFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const found: string[] = [];
  for (const entry of entries) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) found.push(...(await sqliteFiles(dir, relative)));
    else if (entry.name.endsWith('.sqlite')) found.push(relative);
  }
  return found.sort();
}

/**
 * `patient-idp backup <folder>`: copies the embedded database with SQLite's online backup, each
 * file consistent on its own, while the server keeps running. With MONGODB_URI there is nothing
 * here to copy: MongoDB has its own tools.
 */
export function registerBackupCommand(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('copy the embedded database (every SQLite file under DATA_DIR), safely while the server runs')
    .argument('<folder>', 'where to write the copy (created if missing; existing files are replaced)')
    .action(async (folder: string) => {
      const config = ctx.config();
      if (config.mongodbUri) {
        throw new AppError('cli.invalid_input', { message: 'MONGODB_URI is set: back up MongoDB with mongodump' });
      }
      const files = await sqliteFiles(config.dataDir);
      if (files.length === 0) {
        throw new AppError('cli.invalid_input', { message: `no embedded database under ${config.dataDir} (DATA_DIR)` });
      }
      for (const file of files) {
        const target = path.join(folder, file);
        await mkdir(path.dirname(target), { recursive: true });
        const source = new DatabaseSync(path.join(config.dataDir, file), { readOnly: true });
        try {
          const pages = await backup(source, target);
          ctx.print(`${file}: ${pages} pages`);
        } finally {
          source.close();
        }
      }
    });
}
