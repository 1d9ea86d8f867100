import { describe, expect, it } from 'vitest';
import { appProperties } from '../../connectors/hubspot/options.ts';
import { CONTACT_PROPERTIES, DEAL_PROPERTIES } from '../../connectors/hubspot/pull.ts';
import { settingsSchema } from '../core/index.ts';
import { hubspotProjectFiles, readManifest } from './hubspot-project.ts';

const manifest = readManifest();
const files = hubspotProjectFiles(manifest);
// biome-ignore lint/suspicious/noExplicitAny: generated JSON, checked field by field
const app = files['src/app/app-hsmeta.json'] as any;
// biome-ignore lint/suspicious/noExplicitAny: generated JSON, checked field by field
const webhooks = files['src/app/webhooks/webhooks-hsmeta.json'] as any;

describe('HubSpot project files generated from manifest.json', () => {
  it('hold to HubSpot documented limits: uid, name and description', () => {
    for (const uid of [app.uid, webhooks.uid]) expect(uid).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
    expect(app.config.name.length).toBeLessThanOrEqual(200);
    expect(app.config.name).toBe(app.config.name.trim());
    expect(app.config.description.length).toBeLessThanOrEqual(8192);
  });

  it('declare a marketplace OAuth app whose required scopes include oauth, with our redirect URL', () => {
    expect(files['hsproject.json']).toMatchObject({ srcDir: 'src', platformVersion: expect.any(String) });
    expect(app).toMatchObject({
      type: 'app',
      config: { distribution: 'marketplace', auth: { type: 'oauth' } },
    });
    expect(app.config.auth.requiredScopes).toContain('oauth');
    expect(app.config.auth.redirectUrls).toContain(`${manifest.baseUrl}/oauth/hubspot/callback`);
  });

  it('subscribe to contact and deal changes and the privacy deletion hub event, at our webhook URL', () => {
    expect(webhooks.config.settings.targetUrl).toBe(`${manifest.baseUrl}/webhooks/hubspot`);
    const types = webhooks.config.subscriptions.crmObjects.map((s: { objectType: string }) => s.objectType);
    expect(new Set(types)).toEqual(new Set(['contact', 'deal']));
    expect(webhooks.config.subscriptions.hubEvents).toEqual([
      { subscriptionType: 'contact.privacyDeletion', active: true },
    ]);
  });

  it('subscribe to every change the rules can see, for contacts and deals, and to nothing else', () => {
    type Subscription = {
      subscriptionType: string;
      objectType: string;
      propertyName?: string;
      active: boolean;
    };
    const subscriptions: Subscription[] = webhooks.config.subscriptions.crmObjects;
    for (const objectType of ['contact', 'deal']) {
      const types = subscriptions.filter((s) => s.objectType === objectType).map((s) => s.subscriptionType);
      for (const type of ['creation', 'deletion', 'merge', 'restore', 'associationChange', 'propertyChange'])
        expect(types, `${objectType} ${type}`).toContain(`object.${type}`);
    }
    const watched = (objectType: string) =>
      subscriptions
        .filter((s) => s.objectType === objectType && s.subscriptionType === 'object.propertyChange')
        .map((s) => s.propertyName);
    // Every property the pull reads that can change (a record's creation date cannot), and only those: never the
    // app's own properties, so its tag writes do not echo back.
    expect(new Set(watched('contact'))).toEqual(
      new Set(CONTACT_PROPERTIES.filter((p) => p !== 'createdate')),
    );
    expect(new Set(watched('deal'))).toEqual(new Set(DEAL_PROPERTIES));
    for (const own of appProperties()) expect(watched('contact')).not.toContain(own);
    expect(subscriptions.every((s) => s.active === true)).toBe(true);
  });

  it("the manifest's settings are the app's settings, with the same defaults", () => {
    const defaults = settingsSchema.parse({});
    expect(Object.keys(manifest.settings).sort()).toEqual(Object.keys(defaults).sort());
    for (const [name, spec] of Object.entries(manifest.settings)) {
      const declared = (spec as { default: unknown }).default;
      const actual = defaults[name as keyof typeof defaults];
      if (typeof declared === 'object' && declared !== null && !Array.isArray(declared)) {
        expect(actual).toMatchObject(declared);
      } else expect(actual).toEqual(declared);
    }
  });
});
