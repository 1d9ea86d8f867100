import { z } from 'zod';

// Shapes of HubSpot's OAuth v3 endpoints (the Auth OAuth spec, 2026-03 / v3), for openapi-shapes.ts to check
// recorded exchanges against. Objects stay open (`looseObject`) where the spec allows more fields.

// OAuth spec (Auth OAuth, v3 / 2026-03): every request is a form body. AccessTokenResponse requires
// access_token, refresh_token, expires_in, token_type, token_use; hub_id, user_id, scopes, id_token optional.
const grantType = z.enum(['authorization_code', 'client_credentials', 'refresh_token']);
export const tokenRequest = z.strictObject({
  grant_type: grantType,
  client_id: z.string(),
  client_secret: z.string(),
  code: z.string().optional(),
  code_verifier: z.string().optional(),
  redirect_uri: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  client_assertion: z.string().optional(),
  client_assertion_type: z.string().optional(),
});
export const tokenResponse = z.looseObject({
  access_token: z.string(),
  refresh_token: z.string(),
  expires_in: z.number().int(),
  token_type: z.string(),
  token_use: z.literal('access_token'),
  hub_id: z.number().int().optional(),
  user_id: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});
// Introspection and revocation take { client_id, client_secret, token, token_type_hint? }.
export const tokenQuestion = z.strictObject({
  client_id: z.string(),
  client_secret: z.string(),
  token: z.string(),
  token_type_hint: z.string().optional(),
});
// TokenInfoResponseBaseIF: PublicAccessTokenInfoResponse or PublicRefreshTokenInfoResponse (user = the
// consenting user's email, optional in both), or an inactive token's { active: false }.
const signedAccessToken = z.looseObject({
  appId: z.number().int(),
  appInstallId: z.string(),
  audience: z.string(),
  expiresAt: z.number().int(),
  hubId: z.number().int(),
  hublet: z.string(),
  installingUserId: z.number().int(),
  isPrivateDistribution: z.boolean(),
  isServiceAccount: z.boolean(),
  isUserLevel: z.boolean(),
  newSignature: z.string(),
  scopeToScopeGroupPks: z.string(),
  scopes: z.string(),
  signature: z.string(),
  trialScopeToScopeGroupPks: z.string(),
  trialScopes: z.string(),
  userId: z.number().int(),
});
const tokenInfo = z.looseObject({
  active: z.boolean(),
  app_id: z.number().int(),
  client_id: z.string(),
  hub_id: z.number().int(),
  hub_domain: z.string().optional(),
  scopes: z.array(z.string()),
  token: z.string(),
  token_type: z.string(),
  user_id: z.number().int(),
  user: z.string().optional(),
});
export const introspection = z.union([
  tokenInfo.extend({
    token_use: z.literal('access_token'),
    expires_in: z.number().int(),
    is_private_distribution: z.boolean(),
    signed_access_token: signedAccessToken,
  }),
  tokenInfo.extend({ token_use: z.literal('refresh_token') }),
  z.strictObject({ active: z.literal(false) }),
]);
// OAuth errors keep HubSpot's status and message beside RFC 6749's error and error_description (changelog
// "New OAuth v3 API Endpoints and Standardized Error Responses"), within the spec's Error schema.
export const oauthError = z.looseObject({
  message: z.string(),
  correlationId: z.string(),
  category: z.string(),
  error: z.string(),
  error_description: z.string(),
  status: z.string(),
});
