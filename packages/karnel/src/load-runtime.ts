import { CommandError } from './command-error';

/**
 * `@karnel/runtime`, loaded only when a command that operates a group runs (migrate, group,
 * curator). It is an optional peer dependency of the CLI — it brings the model stack, which
 * would more than double the install of `karnel validate` — so an install without it gets one
 * line saying what to add.
 */
export async function loadRuntime(): Promise<typeof import('@karnel/runtime')> {
  try {
    return await import('@karnel/runtime');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new CommandError(
        'this command needs the optional package @karnel/runtime: install it next to karnel (npm install --global @karnel/runtime, or npm install @karnel/runtime in your project)',
      );
    throw error;
  }
}
