// `npm run --silent simulator -- <provider> [flags]`: starts one provider's local API simulator.
// Each provider's simulator module exports `runSimulatorCli(argv)`; register it here with one line.

type SimulatorCli = (argv: string[]) => Promise<void>;

const simulators: Record<string, () => Promise<SimulatorCli>> = {
  hubspot: async () => (await import('./hubspot/simulator.ts')).runSimulatorCli,
  salesforce: async () => (await import('./salesforce/simulator.ts')).runSimulatorCli,
};

const [provider, ...argv] = process.argv.slice(2);
const load = provider === undefined ? undefined : simulators[provider];
if (!load) {
  process.stderr.write(
    `error: name a provider: simulator <${Object.keys(simulators).join('|') || 'none registered yet'}> --snapshot FILE --port PORT\n`,
  );
  process.exit(2);
}
await (await load())(argv);
