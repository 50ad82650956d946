/** Compile-time proof that the registry's own types match the contract's schemas (shared/registry/views). */
import type { z } from 'zod';
import type { FeaturePlanRow } from '../../shared/registry/features';
import type { GitlabSheet } from '../../shared/registry/gitlab-sheet';
import type { connectionTestResultSchema, deploymentViewSchema, featurePlanRowSchema, gitlabSheetSchema } from '../../shared/registry/views';
import type { ConnectionTestResult } from './connection-test';
import type { DeploymentView } from './registry-service';

type Assignable<From, To> = [From] extends [To] ? true : false;
type Assert<T extends true> = T;

export type DeploymentViewFits = Assert<Assignable<DeploymentView, z.infer<typeof deploymentViewSchema>>>;
export type FeaturePlanFits = Assert<Assignable<FeaturePlanRow, z.infer<typeof featurePlanRowSchema>>>;
export type ConnectionTestFits = Assert<Assignable<ConnectionTestResult, z.infer<typeof connectionTestResultSchema>>>;
export type GitlabSheetFits = Assert<Assignable<GitlabSheet, z.infer<typeof gitlabSheetSchema>>>;
