import { CommandError } from './command-error';

/**
 * `@karnel/dashboard`, loaded only when the command runs. It is an optional peer dependency of
 * the CLI (its web server and htmx are not needed by `karnel validate`), so an install without
 * it gets one line saying what to add.
 */
export async function loadDashboard(): Promise<typeof import('@karnel/dashboard')> {
  try {
    return await import('@karnel/dashboard');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new CommandError(
        'this command needs the optional package @karnel/dashboard: install it next to karnel (npm install --global @karnel/dashboard, or npm install @karnel/dashboard in your project)',
      );
    throw error;
  }
}
