import { type HostProbe, probeHost } from '../src/host-probe';

/**
 * The host probe, failing loudly when bubblewrap cannot run here: node and python skills have no
 * security boundary without it, CI installs it (`apt-get install bubblewrap`), and a test that
 * quietly skipped the bubblewrap mode would prove nothing about it.
 */
export async function requireBubblewrap(): Promise<HostProbe & { bubblewrap: string }> {
  const host = await probeHost();
  if (!host.bubblewrap) {
    throw new Error(
      `these tests need bubblewrap: ${host.bubblewrapProblem ?? 'bwrap did not start'} (Debian: apt-get install -y bubblewrap)`,
    );
  }
  return host as HostProbe & { bubblewrap: string };
}
