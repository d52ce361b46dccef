// Compiled by `npm run contract` beside the types openapi-typescript
// generates from handlers/openapi.json (api.gen.ts, not committed): a
// change to the document that breaks these uses breaks the build.
import type { components, paths } from './api.gen';

type Schemas = components['schemas'];

// PUT takes the complete content: every field is required.
export const complete: Schemas['Content'] = {
  slug: 'sleep-and-mood',
  title: 'Sleep and mood',
  summary: 'How sleep shapes mood.',
  keyTakeaways: ['Keep a routine.'],
  sections: [{ heading: 'Routine', body: 'Same time every night.' }],
  clinicianTake: null,
  heroImage: null,
  topics: ['sleep'],
  related: [],
  cta: null,
  seo: null,
};

// PATCH takes a merge patch: any subset, null clears.
export const patch: paths['/api/admin/articles/{id}']['patch']['requestBody']['content']['application/merge-patch+json'] = {
  title: 'Sleep, mood and you',
  seo: null,
};

export type ErrorCode = Schemas['Error']['error']['code'];
export const gone: ErrorCode = 'gone';
export type Permissions = Schemas['Permissions'];
