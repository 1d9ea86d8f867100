// The environment of a child process that runs the app on embedded defaults (sandbox mode): this process's own,
// without any credential or server that would take it out of the sandbox.

const OUTSIDE_SANDBOX = [
  'HUBSPOT_CLIENT_ID',
  'SALESFORCE_CLIENT_ID',
  'APP_SECRET',
  'DATABASE_URL',
  'PUBLIC_URL',
];

export function sandboxEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
  for (const name of OUTSIDE_SANDBOX) delete env[name];
  return env;
}
