import type { LicenseView } from '../../../../electron/shared/license';

export type BannerTone = 'info' | 'warn' | 'error';

/**
 * What the banner across every page says for a license state, or nothing when all is well.
 * Pure, so the words for each state are tested without a browser.
 */
export function licenseBanner(view: LicenseView): { tone: BannerTone; text: string } | undefined {
  switch (view.state) {
    case 'valid':
      return undefined;
    case 'evaluation':
      return { tone: 'info', text: `Evaluation: ${view.daysLeft ?? '?'} days left. Install a license on the License page to keep changing models and features.` };
    case 'expiring-soon':
      return { tone: 'warn', text: view.message };
    case 'in-grace':
      return { tone: 'warn', text: view.message };
    default:
      return { tone: 'error', text: view.message };
  }
}
