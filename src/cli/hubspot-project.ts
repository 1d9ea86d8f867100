import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

// manifest.json is the one description of the listing; HubSpot's developer-platform project files are generated
// from it (`community-sync hubspot-project --out DIR`, then `hs project upload` from DIR).

const subscription = z.object({
  subscriptionType: z.string(),
  objectType: z.string().optional(),
  propertyName: z.string().optional(),
});

export const manifestSchema = z.object({
  uid: z.string(),
  name: z.string(),
  description: z.string(),
  baseUrl: z.url(),
  support: z.object({
    supportEmail: z.email(),
    documentationUrl: z.url(),
    supportUrl: z.url(),
    supportPhone: z.string(),
  }),
  providers: z.object({
    hubspot: z.object({
      platformVersion: z.string(),
      requiredScopes: z.array(z.string()),
      optionalScopes: z.array(z.string()),
      conditionallyRequiredScopes: z.array(z.string()),
      redirectPath: z.string().startsWith('/'),
      webhooks: z.object({
        path: z.string().startsWith('/'),
        maxConcurrentRequests: z.number().int().positive(),
        crmObjects: z.array(subscription),
        hubEvents: z.array(subscription),
      }),
    }),
    salesforce: z.object({
      externalClientApp: z.object({ callbackPath: z.string().startsWith('/'), scopes: z.array(z.string()) }),
    }),
  }),
  settings: z.record(z.string(), z.unknown()),
});

export type Manifest = z.output<typeof manifestSchema>;

export function readManifest(path = new URL('../../manifest.json', import.meta.url)): Manifest {
  return manifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** HubSpot's project files for the manifest, by path inside the project folder. */
export function hubspotProjectFiles(manifest: Manifest): Record<string, unknown> {
  const hubspot = manifest.providers.hubspot;
  const base = manifest.baseUrl.replace(/\/$/, '');
  return {
    'hsproject.json': { name: manifest.uid, srcDir: 'src', platformVersion: hubspot.platformVersion },
    'src/app/app-hsmeta.json': {
      uid: manifest.uid,
      type: 'app',
      config: {
        name: manifest.name.trim(),
        description: manifest.description,
        distribution: 'marketplace',
        auth: {
          type: 'oauth',
          redirectUrls: [`${base}${hubspot.redirectPath}`, `http://localhost:3000${hubspot.redirectPath}`],
          requiredScopes: hubspot.requiredScopes,
          optionalScopes: hubspot.optionalScopes,
          conditionallyRequiredScopes: hubspot.conditionallyRequiredScopes,
        },
        permittedUrls: { fetch: [base], iframe: [], img: [] },
        support: manifest.support,
      },
    },
    'src/app/webhooks/webhooks-hsmeta.json': {
      uid: `${manifest.uid}_webhooks`,
      type: 'webhooks',
      config: {
        settings: {
          targetUrl: `${base}${hubspot.webhooks.path}`,
          maxConcurrentRequests: hubspot.webhooks.maxConcurrentRequests,
        },
        subscriptions: {
          crmObjects: hubspot.webhooks.crmObjects.map((s) => ({ ...s, active: true })),
          hubEvents: hubspot.webhooks.hubEvents.map((s) => ({ ...s, active: true })),
        },
      },
    },
  };
}

export function writeHubSpotProject(manifest: Manifest, outDir: string): string[] {
  const written: string[] = [];
  for (const [path, content] of Object.entries(hubspotProjectFiles(manifest))) {
    const file = join(outDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
