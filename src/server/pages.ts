// Small server-rendered pages for the OAuth flows (joined, waiting for approval, confirm a switch, errors): plain
// HTML with the admin page's stylesheet, every value escaped, no script.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** A template literal whose `${values}` are escaped; `raw()` marks already-safe HTML. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out +=
      (value instanceof SafeHtml ? value.text : escapeHtml(String(value ?? ''))) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export class SafeHtml {
  constructor(readonly text: string) {}
}

export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Community Sync</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/admin.css">
</head>
<body>
<header class="top"><a class="brand" href="/"><img src="/favicon.svg" alt="" width="28" height="28"> Community Sync</a></header>
<h1>${title}</h1>
${body}
<p><a href="/">Go to the Community Sync admin page</a></p>
</body>
</html>
`.text;
}

export const PROVIDER_NAMES: Record<string, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
export const providerName = (provider: string) => PROVIDER_NAMES[provider] ?? provider;
