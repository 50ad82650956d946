import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../shared/errors';
import { type Catalog, parseCatalog } from '../../shared/fit/catalog-schema';

/** Reads and validates resources/catalog/models.json. Throws CATALOG_INVALID with the first problems. */
export function loadCatalog(resources: string): Catalog {
  const path = join(resources, 'catalog', 'models.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AirlockError('CATALOG_INVALID', { path, reason: (error as Error).message });
  }
  const parsed = parseCatalog(json);
  if (!parsed.ok) throw new AirlockError('CATALOG_INVALID', { path, reason: parsed.issues.slice(0, 5).join('; ') });
  return parsed.catalog;
}

/** The catalog, read once on first use: a broken file is reported where it is needed, not at start. */
export function createCatalogService(resources: string) {
  let cached: Catalog | undefined;
  return {
    get(): Catalog {
      cached ??= loadCatalog(resources);
      return cached;
    },
  };
}
