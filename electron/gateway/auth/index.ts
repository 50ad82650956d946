/** Authentication of gateway requests: who is calling (token) and from where (client address). */
export { compileNetworks, isAllowedClient, normalizeAddress, resolveClientAddress, type NetworkSet } from './client-address';
export { createGitlabKeySource, type FetchJson, type GitlabKeySource, type GitlabKeySourceDeps, type GitlabKeyStatus } from './gitlab-keys';
export { createTokenVerifier, MAX_TOKEN_LENGTH, type IncomingHeaders, type Principal, type TokenVerifier, type TokenVerifierDeps, type VerifyResult } from './verify-token';
