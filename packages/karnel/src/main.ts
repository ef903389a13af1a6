import { runCli } from './run-cli';

// A reader that stops early (`karnel status | head`) closes the pipe: that is the reader's
// choice, not an error of ours, so the command ends quietly instead of with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
